/*
 * filetype.h - the true type of an object by its content, and what its
 * file name claims.
 *
 * Every attachment and archive entry gets a type from its bytes: our own
 * bounded signature checks first (executables, Office containers, archives,
 * disk images, shortcuts, scripts in text), libmagic for the rest.  The
 * name is never used for detection; ftype_from_extension() says what the
 * name claims and ftype_mismatch() whether the two contradict.
 *
 * The table of ids, flags and rules is in docs/filetypes.md.
 */
#ifndef MAMORI_OBJECTS_FILETYPE_H
#define MAMORI_OBJECTS_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ftype_flag {
	FT_EXECUTABLE = 1u << 0,	/* native code: PE, ELF, Mach-O, MSI, JAR */
	FT_SCRIPT = 1u << 1,		/* JS, VBS, WSF, HTA, PS1, BAT/CMD, shell, CHM */
	FT_ARCHIVE = 1u << 2,		/* zip 7z rar tar gzip ... and containers */
	FT_OFFICE = 1u << 3,		/* OLE2 and OOXML Office, RTF, ODF */
	FT_DOCUMENT = 1u << 4,		/* PDF, Office, RTF, ODF, OneNote, CHM */
	FT_DISK_IMAGE = 1u << 5,	/* ISO, UDF, IMG (FAT/NTFS), VHD, VHDX */
	FT_SHORTCUT = 1u << 6,		/* LNK, URL files, SettingContent-ms */
	FT_MARKUP = 1u << 7,		/* HTML, SVG, XML */
	FT_IMAGE = 1u << 8,		/* png jpeg gif bmp tiff webp ico */
	FT_TEXT = 1u << 9,		/* plain text */
	FT_MESSAGE = 1u << 10,		/* an RFC 822 mail, an mbox, TNEF, MSG */
	FT_MACRO_CAPABLE = 1u << 11,	/* may carry macros: doc/xls/ppt/docm/xlsm/pptm/xlsb, ODF */
};

struct ftype {
	const char *name;	/* stable lower-case id ("pe", "docx", "unknown") */
	const char *mime;	/* e.g. "application/vnd.microsoft.portable-executable" */
	const char *label;	/* human: "Windows executable (PE)" */
	unsigned flags;		/* enum ftype_flag */
	const char *const *exts; /* usual extensions, lower case, no dot, NULL-terminated */
};

/*
 * How many leading bytes ftype_detect() can use: ISO 9660 and UDF volume
 * descriptors sit at 32 KiB and after, so pass at least this much when the
 * object is that large.  libmagic never sees more than FTYPE_MAGIC_MAX.
 */
#define FTYPE_SNIFF_LEN (64u * 1024u)
#define FTYPE_MAGIC_MAX (256u * 1024u)

/*
 * The type of an object by its content only.  p/len: its first bytes (all
 * of it or a prefix); total_len: its full size (>= len).  Never NULL:
 * "empty" for zero bytes, "unknown" when nothing matches.  desc (may be
 * NULL) receives libmagic's one-line description, cut to desclen; with
 * desc NULL, libmagic is only consulted when our own checks do not decide,
 * which keeps the common case (PDF, Office, images, text) fast.
 * Thread-safe: each thread lazily gets its own libmagic handles.
 */
const struct ftype *ftype_detect(const uint8_t *p, size_t len, uint64_t total_len,
    char *desc, size_t desclen);

/* "pe" -> its entry; NULL for an id we do not know. */
const struct ftype *ftype_by_name(const char *id);

/*
 * The type a file name claims by its last extension (case-insensitive), or
 * NULL when it has none or one we do not map.  A trailing dot or trailing
 * spaces are ignored ("a.exe." and "a.exe  " claim "pe", as Windows would
 * open them).
 */
const struct ftype *ftype_from_extension(const char *filename);

/*
 * Does the content contradict the name in a way that matters?  false when
 * either is NULL, or actual is "unknown" or "empty", or both are the same.
 * Otherwise, in this order:
 *  1. actual is executable, script or shortcut: true unless the claim is
 *     one too (an .exe that is really a .bat is already blocked by name).
 *     This includes a .txt that holds a script.
 *  2. actual is a disk image: true unless the claim is a disk image or an
 *     archive.
 *  3. claim and content are in one family: false.  Families: the zip
 *     family (zip, OOXML, ODF: an OOXML file is a zip); the Office family
 *     (any FT_OFFICE type, plus markup and text, since Word and Excel open
 *     RTF, HTML, XML, CSV and an encrypted OOXML is an OLE2 file); images
 *     (jpg that is png); archives (tgz named zip); text, markup and mail
 *     (.txt that is HTML, .xml that is HTML, .txt that is a mail).
 *  4. the claim is a document (PDF, OneNote) or an image, and the content
 *     is an archive or HTML/SVG: true (an archive hidden from archive
 *     policy, a phishing page disguised as an invoice).
 *  5. the claim is text or markup and the content an archive: true.
 *  6. anything else: false (a .pdf that is a jpeg is odd, not dangerous).
 */
bool ftype_mismatch(const struct ftype *claimed, const struct ftype *actual);

/* The whole table (for docs and config validation); *n gets its size. */
const struct ftype *ftype_table(size_t *n);

#endif
