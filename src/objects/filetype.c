/*
 * filetype.c - true file type by content (see filetype.h).
 *
 * Own signatures come first: they are exact for the formats that matter to
 * a mail filter (executables, Office containers, archives, disk images,
 * shortcuts) and cost a few comparisons, where libmagic runs hundreds of
 * tests.  Text is classified here too (mail, markup, scripts), with
 * conservative script heuristics: an ordinary text attachment must stay
 * "text".  libmagic (one pair of handles per thread) answers the rest and
 * gives the human description.
 *
 * Bounds: every read is checked against len; container sniffing (OLE2
 * directory, zip headers) reads headers only, never decompresses, and
 * stops after a fixed number of entries.
 */
#include "filetype.h"
#include "util/bytes.h"

#include <ctype.h>
#include <string.h>

#include <glib.h>
#include <magic.h>

#define TEXT_SAMPLE 4096	/* bytes looked at to call something text */
#define SCRIPT_WINDOW 8192	/* bytes searched for markup and script evidence */
#define PUNCT_WINDOW 4096
#define CODE_PUNCT_MIN 6	/* ( ) = ; { } $ % per KiB below which no script is looked for */
#define ZIP_MAX_ENTRIES 64
#define PDF_WINDOW 1024

enum {
	T_PE, T_ELF, T_MACHO, T_MSI, T_JAR, T_JS, T_VBS, T_WSF, T_HTA, T_PS1,
	T_BAT, T_SH, T_SCRIPT, T_VBA, T_LNK, T_URL, T_SETTINGCONTENT, T_ONENOTE,
	T_ISO, T_UDF, T_IMG, T_VHD, T_VHDX, T_CHM, T_OLE2, T_DOC, T_XLS,
	T_PPT, T_MSG, T_DOCX, T_DOCM, T_XLSX, T_XLSM, T_XLSB, T_PPTX, T_PPTM,
	T_OOXML, T_WORDXML, T_FLATOPC, T_EXCELXML, T_MHT, T_ACTIVEMIME,
	T_RTF, T_SYLK, T_ODT, T_ODS, T_ODP, T_ODF, T_PDF, T_HTML, T_SVG,
	T_XML, T_ZIP, T_7Z, T_RAR, T_TAR, T_GZIP, T_BZIP2, T_XZ, T_ZSTD,
	T_LZMA, T_CAB, T_CPIO, T_ARJ, T_LHA, T_ACE, T_EMAIL, T_MBOX, T_TNEF,
	T_SZDD, T_KWAJ,
	T_BINHEX, T_UUENCODE, T_PNG, T_JPEG, T_GIF, T_BMP, T_TIFF, T_ICO,
	T_WEBP, T_CSV, T_TEXT, T_EMPTY, T_UNKNOWN, T_COUNT
};

#define EXTS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NOEXT ((const char *const[]){ NULL })

#define F_OFFDOC (FT_OFFICE | FT_DOCUMENT)
#define F_OLE (FT_OFFICE | FT_DOCUMENT | FT_MACRO_CAPABLE)

static const struct ftype table[T_COUNT] = {
	[T_PE] = { "pe", "application/vnd.microsoft.portable-executable",
	    "Windows executable (PE)", FT_EXECUTABLE,
	    EXTS("exe", "dll", "scr", "com", "cpl", "sys", "ocx", "drv", "efi", "pif") },
	[T_ELF] = { "elf", "application/x-executable", "ELF executable",
	    FT_EXECUTABLE, EXTS("elf", "so") },
	[T_MACHO] = { "macho", "application/x-mach-binary", "Mach-O executable",
	    FT_EXECUTABLE, EXTS("dylib", "macho") },
	[T_MSI] = { "msi", "application/x-msi", "Windows Installer package",
	    FT_EXECUTABLE, EXTS("msi", "msp", "msm", "mst") },
	[T_JAR] = { "jar", "application/java-archive", "Java archive",
	    FT_EXECUTABLE | FT_ARCHIVE, EXTS("jar") },
	[T_JS] = { "js", "text/javascript", "JavaScript / JScript", FT_SCRIPT,
	    EXTS("js", "jse", "mjs") },
	[T_VBS] = { "vbs", "text/vbscript", "VBScript", FT_SCRIPT,
	    EXTS("vbs", "vbe", "vb") },
	[T_WSF] = { "wsf", "text/xml", "Windows Script File", FT_SCRIPT | FT_MARKUP,
	    EXTS("wsf", "wsc") },
	[T_HTA] = { "hta", "application/hta", "HTML application", FT_SCRIPT | FT_MARKUP,
	    EXTS("hta") },
	[T_PS1] = { "ps1", "text/x-powershell", "PowerShell script", FT_SCRIPT,
	    EXTS("ps1", "psm1", "psd1") },
	[T_BAT] = { "bat", "text/x-msdos-batch", "Windows batch file", FT_SCRIPT,
	    EXTS("bat", "cmd") },
	[T_SH] = { "sh", "text/x-shellscript", "Shell script", FT_SCRIPT,
	    EXTS("sh", "bash", "zsh", "ksh", "csh", "command") },
	[T_SCRIPT] = { "script", "text/x-script", "Interpreted script (#!)", FT_SCRIPT,
	    EXTS("py", "pyw", "pl", "rb") },
	[T_VBA] = { "vba", "text/x-vba", "VBA macro source (exported module)", FT_TEXT,
	    EXTS("bas", "cls", "frm") },
	[T_LNK] = { "lnk", "application/x-ms-shortcut", "Windows shortcut (LNK)",
	    FT_SHORTCUT, EXTS("lnk") },
	[T_URL] = { "url", "application/x-mswinurl", "Internet shortcut (URL file)",
	    FT_SHORTCUT, EXTS("url", "website") },
	[T_SETTINGCONTENT] = { "settingcontent", "application/xml",
	    "Windows settings shortcut (SettingContent-ms)", FT_SHORTCUT | FT_MARKUP,
	    EXTS("settingcontent-ms") },
	[T_ONENOTE] = { "onenote", "application/onenote", "OneNote section",
	    FT_DOCUMENT, EXTS("one", "onepkg") },
	[T_ISO] = { "iso", "application/x-iso9660-image", "ISO 9660 disk image",
	    FT_DISK_IMAGE | FT_ARCHIVE, EXTS("iso") },
	[T_UDF] = { "udf", "application/x-udf-image", "UDF disk image",
	    FT_DISK_IMAGE | FT_ARCHIVE, EXTS("udf") },
	[T_IMG] = { "img", "application/x-raw-disk-image", "Disk image (FAT/NTFS)",
	    FT_DISK_IMAGE | FT_ARCHIVE, EXTS("img", "ima", "vfd") },
	[T_VHD] = { "vhd", "application/x-vhd", "Virtual hard disk (VHD)",
	    FT_DISK_IMAGE, EXTS("vhd") },
	[T_VHDX] = { "vhdx", "application/x-vhdx", "Virtual hard disk (VHDX)",
	    FT_DISK_IMAGE, EXTS("vhdx") },
	[T_CHM] = { "chm", "application/vnd.ms-htmlhelp", "Compiled HTML help (CHM)",
	    FT_SCRIPT | FT_DOCUMENT, EXTS("chm") },
	[T_OLE2] = { "ole2", "application/x-ole-storage", "OLE2 compound file",
	    F_OLE, EXTS("ole") },
	[T_DOC] = { "doc", "application/msword", "Word 97-2003 document", F_OLE,
	    EXTS("doc", "dot", "wbk") },
	[T_XLS] = { "xls", "application/vnd.ms-excel", "Excel 97-2003 workbook", F_OLE,
	    EXTS("xls", "xlt", "xla") },
	[T_PPT] = { "ppt", "application/vnd.ms-powerpoint",
	    "PowerPoint 97-2003 presentation", F_OLE, EXTS("ppt", "pot", "pps", "ppa") },
	[T_MSG] = { "msg", "application/vnd.ms-outlook", "Outlook message (MSG)",
	    FT_MESSAGE | FT_OFFICE, EXTS("msg") },
	[T_DOCX] = { "docx",
	    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	    "Word document (OOXML)", F_OFFDOC, EXTS("docx", "dotx") },
	[T_DOCM] = { "docm", "application/vnd.ms-word.document.macroEnabled.12",
	    "Word macro-enabled document", F_OLE, EXTS("docm", "dotm") },
	[T_XLSX] = { "xlsx",
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    "Excel workbook (OOXML)", F_OFFDOC, EXTS("xlsx", "xltx") },
	[T_XLSM] = { "xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12",
	    "Excel macro-enabled workbook", F_OLE, EXTS("xlsm", "xltm", "xlam") },
	[T_XLSB] = { "xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
	    "Excel binary workbook", F_OLE, EXTS("xlsb") },
	[T_PPTX] = { "pptx",
	    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	    "PowerPoint presentation (OOXML)", F_OFFDOC, EXTS("pptx", "potx", "ppsx") },
	[T_PPTM] = { "pptm", "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
	    "PowerPoint macro-enabled presentation", F_OLE,
	    EXTS("pptm", "potm", "ppsm", "ppam") },
	[T_OOXML] = { "ooxml", "application/vnd.openxmlformats-officedocument",
	    "Office Open XML package", F_OFFDOC, EXTS("vsdx", "vsdm") },
	/* Office documents saved as one XML or MIME file (flatxml.c) */
	[T_WORDXML] = { "wordxml", "application/vnd.ms-word2003+xml",
	    "Word 2003 XML document", F_OLE | FT_MARKUP, NOEXT },
	[T_FLATOPC] = { "flatopc", "application/vnd.ms-office.flatopc+xml",
	    "Office XML document (Flat OPC)", F_OLE | FT_MARKUP, NOEXT },
	[T_EXCELXML] = { "excelxml", "application/vnd.ms-excel2003+xml",
	    "Excel 2003 XML spreadsheet", F_OFFDOC | FT_MARKUP, NOEXT },
	[T_MHT] = { "mht", "multipart/related", "Web archive (MHT/MHTML)",
	    F_OLE | FT_MARKUP, EXTS("mht", "mhtml") },
	[T_ACTIVEMIME] = { "activemime", "application/x-mso", "ActiveMime (MSO) data",
	    F_OLE, EXTS("mso") },
	[T_RTF] = { "rtf", "application/rtf", "Rich Text Format", F_OFFDOC,
	    EXTS("rtf") },
	/* SYLK (Microsoft's symbolic link format): a text spreadsheet Excel
	 * opens, Excel 4.0 macro sheets included */
	[T_SYLK] = { "sylk", "application/x-sylk", "SYLK spreadsheet", F_OLE, EXTS("slk", "sylk") },
	[T_ODT] = { "odt", "application/vnd.oasis.opendocument.text",
	    "OpenDocument text", F_OLE, EXTS("odt", "ott") },
	[T_ODS] = { "ods", "application/vnd.oasis.opendocument.spreadsheet",
	    "OpenDocument spreadsheet", F_OLE, EXTS("ods", "ots") },
	[T_ODP] = { "odp", "application/vnd.oasis.opendocument.presentation",
	    "OpenDocument presentation", F_OLE, EXTS("odp", "otp") },
	[T_ODF] = { "odf", "application/vnd.oasis.opendocument",
	    "OpenDocument file", F_OLE, EXTS("odg", "odf", "odc") },
	[T_PDF] = { "pdf", "application/pdf", "PDF document", FT_DOCUMENT,
	    EXTS("pdf") },
	[T_HTML] = { "html", "text/html", "HTML document", FT_MARKUP,
	    EXTS("html", "htm", "xhtml", "shtml") },
	[T_SVG] = { "svg", "image/svg+xml", "SVG image", FT_MARKUP | FT_IMAGE,
	    EXTS("svg") },
	[T_XML] = { "xml", "application/xml", "XML document", FT_MARKUP,
	    EXTS("xml", "xsl", "xslt", "xsd") },
	[T_ZIP] = { "zip", "application/zip", "ZIP archive", FT_ARCHIVE,
	    EXTS("zip", "zipx") },
	[T_7Z] = { "7z", "application/x-7z-compressed", "7-Zip archive", FT_ARCHIVE,
	    EXTS("7z") },
	[T_RAR] = { "rar", "application/vnd.rar", "RAR archive", FT_ARCHIVE,
	    EXTS("rar") },
	[T_TAR] = { "tar", "application/x-tar", "tar archive", FT_ARCHIVE,
	    EXTS("tar") },
	[T_GZIP] = { "gzip", "application/gzip", "gzip compressed data", FT_ARCHIVE,
	    EXTS("gz", "tgz", "gzip") },
	[T_BZIP2] = { "bzip2", "application/x-bzip2", "bzip2 compressed data",
	    FT_ARCHIVE, EXTS("bz2", "tbz", "tbz2") },
	[T_XZ] = { "xz", "application/x-xz", "xz compressed data", FT_ARCHIVE,
	    EXTS("xz", "txz") },
	[T_ZSTD] = { "zstd", "application/zstd", "Zstandard compressed data",
	    FT_ARCHIVE, EXTS("zst", "zstd") },
	[T_LZMA] = { "lzma", "application/x-lzma", "LZMA compressed data", FT_ARCHIVE,
	    EXTS("lzma") },
	[T_CAB] = { "cab", "application/vnd.ms-cab-compressed", "Microsoft cabinet",
	    FT_ARCHIVE, EXTS("cab") },
	[T_CPIO] = { "cpio", "application/x-cpio", "cpio archive", FT_ARCHIVE,
	    EXTS("cpio") },
	[T_ARJ] = { "arj", "application/x-arj", "ARJ archive", FT_ARCHIVE,
	    EXTS("arj") },
	[T_LHA] = { "lha", "application/x-lzh-compressed", "LHA archive", FT_ARCHIVE,
	    EXTS("lzh", "lha") },
	[T_ACE] = { "ace", "application/x-ace-compressed", "ACE archive", FT_ARCHIVE,
	    EXTS("ace") },
	[T_EMAIL] = { "email", "message/rfc822", "E-mail message", FT_MESSAGE,
	    EXTS("eml") },
	[T_MBOX] = { "mbox", "application/mbox", "mbox mailbox", FT_MESSAGE,
	    EXTS("mbox", "mbx") },
	[T_TNEF] = { "tnef", "application/vnd.ms-tnef", "TNEF (winmail.dat)",
	    FT_MESSAGE | FT_ARCHIVE, EXTS("tnef") },
	[T_SZDD] = { "szdd", "application/x-ms-compress-szdd",
	    "MS-DOS COMPRESS.EXE data (SZDD)", FT_ARCHIVE, EXTS("szdd") },
	[T_KWAJ] = { "kwaj", "application/x-ms-compress-kwaj",
	    "MS-DOS COMPRESS.EXE data (KWAJ)", FT_ARCHIVE, EXTS("kwaj") },
	[T_BINHEX] = { "binhex", "application/mac-binhex40", "BinHex encoded file",
	    FT_ARCHIVE, EXTS("hqx") },
	[T_UUENCODE] = { "uuencode", "text/x-uuencode", "uuencoded file", FT_ARCHIVE,
	    EXTS("uu", "uue") },
	[T_PNG] = { "png", "image/png", "PNG image", FT_IMAGE, EXTS("png") },
	[T_JPEG] = { "jpeg", "image/jpeg", "JPEG image", FT_IMAGE,
	    EXTS("jpg", "jpeg", "jpe", "jfif") },
	[T_GIF] = { "gif", "image/gif", "GIF image", FT_IMAGE, EXTS("gif") },
	[T_BMP] = { "bmp", "image/bmp", "BMP image", FT_IMAGE, EXTS("bmp", "dib") },
	[T_TIFF] = { "tiff", "image/tiff", "TIFF image", FT_IMAGE, EXTS("tif", "tiff") },
	[T_ICO] = { "ico", "image/vnd.microsoft.icon", "Windows icon", FT_IMAGE,
	    EXTS("ico", "cur") },
	[T_WEBP] = { "webp", "image/webp", "WebP image", FT_IMAGE, EXTS("webp") },
	[T_CSV] = { "csv", "text/csv", "CSV text", FT_TEXT, EXTS("csv", "tsv") },
	[T_TEXT] = { "text", "text/plain", "Plain text", FT_TEXT,
	    EXTS("txt", "text", "log", "md") },
	[T_EMPTY] = { "empty", "application/x-empty", "Empty", 0, NOEXT },
	[T_UNKNOWN] = { "unknown", "application/octet-stream", "Unknown data", 0, NOEXT },
};

#define T(x) (&table[(x)])

const struct ftype *
ftype_table(size_t *n)
{
	if (n != NULL)
		*n = T_COUNT;
	return table;
}

const struct ftype *
ftype_by_name(const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < T_COUNT; i++)
		if (strcmp(table[i].name, id) == 0)
			return &table[i];
	return NULL;
}

const struct ftype *
ftype_from_extension(const char *filename)
{
	if (filename == NULL)
		return NULL;
	size_t n = strlen(filename);
	/* Windows drops trailing dots and spaces */
	while (n > 0 && (filename[n - 1] == '.' || filename[n - 1] == ' '))
		n--;
	size_t i = n;
	while (i > 0 && filename[i - 1] != '.' && filename[i - 1] != '/' &&
	    filename[i - 1] != '\\')
		i--;
	if (i == 0 || filename[i - 1] != '.' || i == n || n - i > 32)
		return NULL;
	char ext[33];
	for (size_t k = 0; k < n - i; k++)
		ext[k] = (char)g_ascii_tolower(filename[i + k]);
	ext[n - i] = '\0';
	for (size_t t = 0; t < T_COUNT; t++)
		for (const char *const *e = table[t].exts; *e != NULL; e++)
			if (strcmp(*e, ext) == 0)
				return &table[t];
	return NULL;
}

/* ---- mismatch rules (documented in filetype.h) ---- */

#define DANGER (FT_EXECUTABLE | FT_SCRIPT | FT_SHORTCUT)

static bool
is_zip_family(const struct ftype *t)
{
	return t == T(T_ZIP) || (t >= T(T_DOCX) && t <= T(T_OOXML)) ||
	    (t >= T(T_ODT) && t <= T(T_ODF));
}

static bool
is_plain_archive(const struct ftype *t)
{
	return (t->flags & FT_ARCHIVE) != 0 && (t->flags & (FT_DISK_IMAGE | DANGER)) == 0;
}

static bool
is_texty(const struct ftype *t)
{
	return (t->flags & (FT_TEXT | FT_MARKUP | FT_MESSAGE)) != 0 &&
	    (t->flags & (DANGER | FT_ARCHIVE)) == 0 && t != T(T_MSG);
}

bool
ftype_mismatch(const struct ftype *claimed, const struct ftype *actual)
{
	if (claimed == NULL || actual == NULL || claimed == actual ||
	    actual == T(T_UNKNOWN) || actual == T(T_EMPTY) ||
	    claimed == T(T_UNKNOWN) || claimed == T(T_EMPTY))
		return false;
	unsigned c = claimed->flags, a = actual->flags;
	/* 1 */
	if (a & DANGER)
		return (c & DANGER) == 0;
	/* 2 */
	if (a & FT_DISK_IMAGE)
		return (c & (FT_DISK_IMAGE | FT_ARCHIVE)) == 0;
	/* 3 */
	if (is_zip_family(claimed) && is_zip_family(actual))
		return false;
	if ((c & FT_OFFICE) && ((a & FT_OFFICE) || is_texty(actual)))
		return false;
	if ((c & FT_IMAGE) && (a & FT_IMAGE) && actual != T(T_SVG))
		return false;
	if (is_plain_archive(claimed) && is_plain_archive(actual))
		return false;
	if (is_texty(claimed) && is_texty(actual))
		return false;
	/* 4 */
	if ((claimed == T(T_PDF) || claimed == T(T_ONENOTE) || (c & FT_IMAGE)) &&
	    (is_plain_archive(actual) || is_zip_family(actual) ||
	    actual == T(T_HTML) || actual == T(T_SVG)))
		return true;
	if ((c & FT_OFFICE) && is_plain_archive(actual))
		return true;
	/* 5 */
	if (is_texty(claimed) && (is_plain_archive(actual) || is_zip_family(actual)))
		return true;
	return false;
}

/* ---- byte helpers ---- */

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Does [p, p+len) hold the n bytes of s at off? */
static bool
at(const uint8_t *p, size_t len, size_t off, const void *s, size_t n)
{
	return off <= len && n <= len - off && memcmp(p + off, s, n) == 0;
}

#define AT(p, len, off, lit) at((p), (len), (off), (lit), sizeof(lit) - 1)

/* ---- executables ---- */

static const struct ftype *
sniff_pe(const uint8_t *p, size_t len, uint64_t total)
{
	if (len < 0x40)
		return NULL;
	uint32_t off = le32(p + 0x3c);
	if (off >= 0x40 && at(p, len, off, "PE\0\0", 4))
		return T(T_PE);
	/* the PE header lies beyond what we were given */
	if (off >= 0x40 && (uint64_t)off + 4 > len && (uint64_t)off + 4 <= total &&
	    off < 0x10000)
		return T(T_PE);
	return NULL;		/* DOS MZ or not an executable: libmagic decides */
}

static const struct ftype *
sniff_macho(const uint8_t *p, size_t len)
{
	if (len < 8)
		return NULL;
	uint32_t m = be32(p);
	if (m == 0xFEEDFACEu || m == 0xFEEDFACFu || m == 0xCEFAEDFEu || m == 0xCFFAEDFEu)
		return T(T_MACHO);
	/* fat binaries share CAFEBABE with Java classes: few architectures */
	if ((m == 0xCAFEBABEu || m == 0xCAFEBABFu) && be32(p + 4) > 0 && be32(p + 4) < 20)
		return T(T_MACHO);
	return NULL;
}

/* ---- OLE2 ---- */

static const uint8_t clsid_msi[16] = { 0x84, 0x10, 0x0C, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_msp[16] = { 0x86, 0x10, 0x0C, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_mst[16] = { 0x82, 0x10, 0x0C, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_word8[16] = { 0x06, 0x09, 0x02, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_word6[16] = { 0x00, 0x09, 0x02, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_excel8[16] = { 0x20, 0x08, 0x02, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_excel5[16] = { 0x10, 0x08, 0x02, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
static const uint8_t clsid_ppt8[16] = { 0x10, 0x8D, 0x81, 0x64, 0x9B, 0x4F,
	0xCF, 0x11, 0x86, 0xEA, 0x00, 0xAA, 0x00, 0xB9, 0x29, 0xE8 };
static const uint8_t clsid_msg[16] = { 0x0B, 0x0D, 0x02, 0x00, 0, 0, 0, 0,
	0xC0, 0, 0, 0, 0, 0, 0, 0x46 };

/* Is the UTF-16LE directory entry name at e equal to the ASCII s (prefix if pre)? */
static bool
ole_name_is(const uint8_t *e, const char *s, bool pre)
{
	size_t nb = le16(e + 0x40);	/* bytes, with the terminating NUL */
	size_t n = strlen(s);
	if (nb > 64 || nb < 2)
		return false;
	size_t chars = nb / 2 - 1;
	if (pre ? chars < n : chars != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (e[2 * i] != (uint8_t)s[i] || e[2 * i + 1] != 0)
			return false;
	return true;
}

/*
 * The root entry's CLSID names MSI, Word, Excel, PowerPoint and MSG; when it
 * is empty, the stream names in the first directory sector do.  Only that
 * sector is read: the object tree refines the rest with a real OLE2 reader.
 */
static const struct ftype *
sniff_ole2(const uint8_t *p, size_t len)
{
	if (len < 0x200)
		return T(T_OLE2);
	unsigned shift = le16(p + 0x1e);
	if (shift != 9 && shift != 12)
		return T(T_OLE2);
	uint64_t ssize = (uint64_t)1 << shift;
	uint64_t dir = ((uint64_t)le32(p + 0x30) + 1) * ssize;
	if (dir >= len || len - dir < 128)
		return T(T_OLE2);
	const uint8_t *root = p + dir;
	if (root[0x42] != 5)
		return T(T_OLE2);
	const uint8_t *cl = root + 0x50;
	if (!memcmp(cl, clsid_msi, 16) || !memcmp(cl, clsid_msp, 16) || !memcmp(cl, clsid_mst, 16))
		return T(T_MSI);
	if (!memcmp(cl, clsid_word8, 16) || !memcmp(cl, clsid_word6, 16))
		return T(T_DOC);
	if (!memcmp(cl, clsid_excel8, 16) || !memcmp(cl, clsid_excel5, 16))
		return T(T_XLS);
	if (!memcmp(cl, clsid_ppt8, 16))
		return T(T_PPT);
	if (!memcmp(cl, clsid_msg, 16))
		return T(T_MSG);
	uint64_t end = dir + ssize;
	if (end > len)
		end = len;
	for (uint64_t o = dir; o + 128 <= end; o += 128) {
		const uint8_t *e = p + o;
		if (ole_name_is(e, "WordDocument", false))
			return T(T_DOC);
		if (ole_name_is(e, "Workbook", false) || ole_name_is(e, "Book", false))
			return T(T_XLS);
		if (ole_name_is(e, "PowerPoint Document", false))
			return T(T_PPT);
		if (ole_name_is(e, "__substg1.0_", true) ||
		    ole_name_is(e, "__properties_version1.0", false))
			return T(T_MSG);
	}
	return T(T_OLE2);
}

/* ---- zip family ---- */

struct zipscan {
	bool content_types, word, xl, ppt, vba, xlsb, macrosheet, manifest, klass;
	bool macro_ct;
	const struct ftype *odf;
	unsigned entries;
};

static bool
name_starts(const uint8_t *n, size_t nl, const char *s)
{
	size_t sl = strlen(s);
	return nl >= sl && memcmp(n, s, sl) == 0;
}

static bool
name_ends(const uint8_t *n, size_t nl, const char *s)
{
	size_t sl = strlen(s);
	return nl >= sl && g_ascii_strncasecmp((const char *)n + nl - sl, s, sl) == 0;
}

static void
zip_name(struct zipscan *z, const uint8_t *n, size_t nl)
{
	z->entries++;
	if (nl == 19 && memcmp(n, "[Content_Types].xml", 19) == 0)
		z->content_types = true;
	if (name_starts(n, nl, "word/"))
		z->word = true;
	if (name_starts(n, nl, "xl/"))
		z->xl = true;
	if (name_starts(n, nl, "ppt/"))
		z->ppt = true;
	if (name_ends(n, nl, "vbaProject.bin"))
		z->vba = true;
	if (nl == 15 && memcmp(n, "xl/workbook.bin", 15) == 0)
		z->xlsb = true;
	if (name_starts(n, nl, "xl/macrosheets/"))
		z->macrosheet = true;
	if (nl == 20 && memcmp(n, "META-INF/MANIFEST.MF", 20) == 0)
		z->manifest = true;
	if (name_ends(n, nl, ".class"))
		z->klass = true;
}

static const struct ftype *
odf_kind(const uint8_t *s, size_t n)
{
	static const char pre[] = "application/vnd.oasis.opendocument.";
	if (n < sizeof pre - 1 || memcmp(s, pre, sizeof pre - 1) != 0)
		return NULL;
	s += sizeof pre - 1;
	n -= sizeof pre - 1;
	if (n >= 4 && memcmp(s, "text", 4) == 0)
		return T(T_ODT);
	if (n >= 11 && memcmp(s, "spreadsheet", 11) == 0)
		return T(T_ODS);
	if (n >= 12 && memcmp(s, "presentation", 12) == 0)
		return T(T_ODP);
	return T(T_ODF);
}

/* Walk the local file headers visible in the prefix. */
static void
zip_local(struct zipscan *z, const uint8_t *p, size_t len)
{
	size_t o = 0;
	for (unsigned i = 0; i < ZIP_MAX_ENTRIES; i++) {
		if (!AT(p, len, o, "PK\3\4") || len - o < 30)
			return;
		const uint8_t *h = p + o;
		uint16_t flags = le16(h + 6), method = le16(h + 8);
		uint32_t csize = le32(h + 18);
		size_t nl = le16(h + 26), el = le16(h + 28);
		if (len - o - 30 < nl)
			return;
		zip_name(z, h + 30, nl);
		size_t data = o + 30 + nl + el;
		if (i == 0 && nl == 8 && memcmp(h + 30, "mimetype", 8) == 0 && method == 0 &&
		    data <= len) {
			size_t n = csize;
			if (n > len - data)
				n = len - data;
			if (n > 128)
				n = 128;
			z->odf = odf_kind(p + data, n);
		}
		if ((flags & 8) != 0 && csize == 0)
			return;		/* size only in the data descriptor */
		if (data > len || csize > len - data)
			return;
		if (method == 0 && nl == 19 && memcmp(h + 30, "[Content_Types].xml", 19) == 0 &&
		    memmem(p + data, csize, "macroEnabled", 12) != NULL)
			z->macro_ct = true;
		o = data + csize;
	}
}

/* With the whole file visible, the central directory lists every entry. */
static bool
zip_central(struct zipscan *z, const uint8_t *p, size_t len)
{
	if (len < 22)
		return false;
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	for (size_t e = len - 22 + 1; e-- > lo;) {
		if (p[e] != 'P' || !AT(p, len, e, "PK\5\6"))
			continue;
		uint16_t count = le16(p + e + 10);
		uint32_t size = le32(p + e + 12), off = le32(p + e + 16);
		if ((uint64_t)off + size > e)
			continue;
		size_t o = off;
		unsigned seen = 0;
		for (unsigned i = 0; i < count && i < 4096; i++) {
			if (o > e || e - o < 46 || !AT(p, len, o, "PK\1\2"))
				break;
			size_t nl = le16(p + o + 28), el = le16(p + o + 30), cl = le16(p + o + 32);
			if (e - o - 46 < nl)
				break;
			zip_name(z, p + o + 46, nl);
			seen++;
			o += 46 + nl + el + cl;
		}
		return seen > 0;
	}
	return false;
}

static const struct ftype *
sniff_zip(const uint8_t *p, size_t len, uint64_t total)
{
	struct zipscan z = { 0 };
	zip_local(&z, p, len);
	if (z.odf != NULL)
		return z.odf;
	if (len == total)
		zip_central(&z, p, len);
	bool macro = z.vba || z.macrosheet || z.macro_ct;
	if (z.content_types || z.word || z.xl || z.ppt) {
		if (z.xlsb)
			return T(T_XLSB);
		if (z.word && !z.xl && !z.ppt)
			return T(macro ? T_DOCM : T_DOCX);
		if (z.xl && !z.word && !z.ppt)
			return T(macro ? T_XLSM : T_XLSX);
		if (z.ppt && !z.word && !z.xl)
			return T(macro ? T_PPTM : T_PPTX);
		return T(T_OOXML);
	}
	if (z.manifest || z.klass)
		return T(T_JAR);
	return T(T_ZIP);
}

/* ---- disk images ---- */

static const struct ftype *
sniff_iso(const uint8_t *p, size_t len)
{
	bool cd = false, nsr = false;
	for (size_t o = 0x8000; o + 6 <= len && o < 0x8000 + 32 * 0x800; o += 0x800) {
		if (at(p, len, o + 1, "CD001", 5))
			cd = true;
		else if (at(p, len, o + 1, "NSR02", 5) || at(p, len, o + 1, "NSR03", 5))
			nsr = true;
		else if (!at(p, len, o + 1, "BEA01", 5) && !at(p, len, o + 1, "TEA01", 5) &&
		    !at(p, len, o + 1, "BOOT2", 5))
			break;
	}
	if (cd)
		return T(T_ISO);
	if (nsr)
		return T(T_UDF);
	return NULL;
}

static const struct ftype *
sniff_fat(const uint8_t *p, size_t len)
{
	if (len < 512 || p[510] != 0x55 || p[511] != 0xAA)
		return NULL;
	if (!(p[0] == 0xEB && p[2] == 0x90) && p[0] != 0xE9)
		return NULL;
	uint16_t bps = le16(p + 11);
	if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
		return NULL;
	if (AT(p, len, 54, "FAT1") || AT(p, len, 82, "FAT32") || AT(p, len, 3, "NTFS    ") ||
	    AT(p, len, 3, "EXFAT   "))
		return T(T_IMG);
	return NULL;
}

/* ---- other binary signatures ---- */

static const struct ftype *
sniff_lzma(const uint8_t *p, size_t len)
{
	if (len < 13 || p[0] != 0x5D)
		return NULL;
	uint32_t dict = le32(p + 1);
	if (dict < 4096 || (dict & (dict - 1)) != 0)
		return NULL;
	bool unknown = true;
	for (int i = 5; i < 13; i++)
		if (p[i] != 0xFF)
			unknown = false;
	if (!unknown && (p[12] != 0 || p[11] != 0 || p[10] != 0))
		return NULL;	/* a known size below 2^40 */
	return T(T_LZMA);
}

static const struct ftype *
sniff_cpio(const uint8_t *p, size_t len)
{
	if (AT(p, len, 0, "070707") || AT(p, len, 0, "070701") || AT(p, len, 0, "070702"))
		return len >= 76 ? T(T_CPIO) : NULL;
	if (len < 28)
		return NULL;
	bool le = p[0] == 0xC7 && p[1] == 0x71, be = p[0] == 0x71 && p[1] == 0xC7;
	if (!le && !be)
		return NULL;
	size_t nl = le ? le16(p + 20) : (size_t)((p[20] << 8) | p[21]);
	if (nl < 2 || nl > 1024 || 26 + nl > len || p[26 + nl - 1] != 0)
		return NULL;
	return T(T_CPIO);
}

static const struct ftype *
sniff_binary(const uint8_t *p, size_t len, uint64_t total)
{
	const struct ftype *t;
	if (AT(p, len, 0, "MZ") && (t = sniff_pe(p, len, total)) != NULL)
		return t;
	if (AT(p, len, 0, "\177ELF"))
		return T(T_ELF);
	if ((t = sniff_macho(p, len)) != NULL)
		return t;
	if (AT(p, len, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
		return sniff_ole2(p, len);
	if (AT(p, len, 0, "L\0\0\0\x01\x14\x02\0\0\0\0\0\xC0\0\0\0\0\0\0\x46"))
		return T(T_LNK);
	if (AT(p, len, 0, "\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3"))
		return T(T_ONENOTE);
	if (AT(p, len, 0, "PK\3\4"))
		return sniff_zip(p, len, total);
	if (AT(p, len, 0, "PK\5\6") || AT(p, len, 0, "PK\7\x08"))
		return T(T_ZIP);
	if (AT(p, len, 0, "%PDF-"))
		return T(T_PDF);
	if (AT(p, len, 0, "{\\rt"))
		return T(T_RTF);
	if (AT(p, len, 0, "ActiveMime"))
		return T(T_ACTIVEMIME);
	if (AT(p, len, 0, "ID;"))	/* SYLK's first record (sylk.c) */
		return T(T_SYLK);
	if (AT(p, len, 0, "\x89PNG\r\n\x1a\n"))
		return T(T_PNG);
	if (AT(p, len, 0, "\xFF\xD8\xFF"))
		return T(T_JPEG);
	if (AT(p, len, 0, "GIF87a") || AT(p, len, 0, "GIF89a"))
		return T(T_GIF);
	if (AT(p, len, 0, "RIFF") && AT(p, len, 8, "WEBP"))
		return T(T_WEBP);
	if (AT(p, len, 0, "II*\0") || AT(p, len, 0, "MM\0*"))
		return T(T_TIFF);
	if (AT(p, len, 0, "BM") && len >= 18 && le32(p + 6) == 0) {
		uint32_t dib = le32(p + 14);
		if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 ||
		    dib == 108 || dib == 124)
			return T(T_BMP);
	}
	if ((AT(p, len, 0, "\0\0\1\0") || AT(p, len, 0, "\0\0\2\0")) && len >= 22 &&
	    le16(p + 4) > 0 && le16(p + 4) < 256 && p[9] == 0 &&
	    le32(p + 18) >= 6 + 16u * le16(p + 4))
		return T(T_ICO);
	if (AT(p, len, 0, "7z\xBC\xAF\x27\x1C"))
		return T(T_7Z);
	if (AT(p, len, 0, "Rar!\x1A\x07\x00") || AT(p, len, 0, "Rar!\x1A\x07\x01\x00"))
		return T(T_RAR);
	if (AT(p, len, 0, "\x1F\x8B\x08"))
		return T(T_GZIP);
	if (AT(p, len, 0, "BZh") && len >= 10 && p[3] >= '1' && p[3] <= '9' &&
	    (AT(p, len, 4, "\x31\x41\x59\x26\x53\x59") || AT(p, len, 4, "\x17\x72\x45\x38\x50\x90")))
		return T(T_BZIP2);
	if (AT(p, len, 0, "\xFD" "7zXZ\0"))
		return T(T_XZ);
	if (AT(p, len, 0, "\x28\xB5\x2F\xFD"))
		return T(T_ZSTD);
	if (AT(p, len, 0, "MSCF\0\0\0\0"))
		return T(T_CAB);
	if (AT(p, len, 0, "ITSF"))
		return T(T_CHM);
	if (AT(p, len, 0, "conectix"))
		return T(T_VHD);
	if (AT(p, len, 0, "vhdxfile"))
		return T(T_VHDX);
	if (AT(p, len, 0, "\x78\x9F\x3E\x22"))
		return T(T_TNEF);
	/* MS-DOS COMPRESS.EXE: SZDD (and its QBasic variant), KWAJ */
	if (AT(p, len, 0, "SZDD\x88\xF0\x27\x33") || AT(p, len, 0, "SZ \x88\xF0\x27\x33\xD1"))
		return T(T_SZDD);
	if (AT(p, len, 0, "KWAJ\x88\xF0\x27\xD1"))
		return T(T_KWAJ);
	if (AT(p, len, 257, "ustar"))
		return T(T_TAR);
	if (len >= 12 && p[0] == 0x60 && p[1] == 0xEA && le16(p + 2) > 0 &&
	    le16(p + 2) <= 2600 && p[10] == 2)
		return T(T_ARJ);
	if (len >= 21 && p[2] == '-' && p[3] == 'l' && (p[4] == 'h' || p[4] == 'z') &&
	    p[6] == '-')
		return T(T_LHA);
	if (AT(p, len, 7, "**ACE**"))
		return T(T_ACE);
	if ((t = sniff_cpio(p, len)) != NULL)
		return t;
	if ((t = sniff_iso(p, len)) != NULL)
		return t;
	if ((t = sniff_fat(p, len)) != NULL)
		return t;
	if ((t = sniff_lzma(p, len)) != NULL)
		return t;
	return NULL;
}

/* ---- text ---- */

/*
 * Text: no NUL and at most 1% other control bytes in the sample.  Any
 * 8-bit charset passes (Shift_JIS, ISO-8859-x, UTF-8).
 */
static bool
looks_text(const uint8_t *p, size_t len)
{
	size_t n = len < TEXT_SAMPLE ? len : TEXT_SAMPLE, bad = 0;
	if (memchr(p, 0, n) != NULL)
		return false;
	/* allowed controls: \t \n \v \f \r ESC */
	const uint32_t ok = (1u << 9) | (1u << 10) | (1u << 11) | (1u << 12) |
	    (1u << 13) | (1u << 27);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		bad += c < 0x20 ? !((ok >> c) & 1u) : c == 0x7f;
	}
	return bad * 100 <= n;
}

/* A header field name: printable ASCII without ':' or space. */
static size_t
field_name_len(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] > ' ' && p[i] < 0x7f && p[i] != ':')
		i++;
	return i < n && p[i] == ':' ? i : 0;
}

static bool
name_in(const uint8_t *p, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && g_ascii_strncasecmp((const char *)p, *list, n) == 0)
			return true;
	return false;
}

/*
 * An RFC 822 header block at the start: every line up to the blank line
 * (or the end of the window) is a field or a continuation, at least three
 * fields, two of them well-known mail fields and one of them a field only
 * a whole message has (a MIME part's own header has Content-* only).
 */
static bool
looks_header_block(const uint8_t *p, size_t len)
{
	static const char *const known[] = { "from", "to", "cc", "subject", "date",
		"received", "return-path", "message-id", "mime-version", "content-type",
		"delivered-to", "reply-to", "sender", "dkim-signature", "x-mailer",
		"authentication-results", "in-reply-to", "references", "envelope-to",
		"content-transfer-encoding", "user-agent", "x-originating-ip", NULL };
	static const char *const whole[] = { "from", "received", "return-path",
		"message-id", "delivered-to", "date", "dkim-signature", "envelope-to",
		"authentication-results", NULL };
	size_t n = len < 16384 ? len : 16384, o = 0;
	unsigned fields = 0, nknown = 0, nwhole = 0, lines = 0;
	while (o < n && lines < 200) {
		const uint8_t *nl = memchr(p + o, '\n', n - o);
		size_t e = nl != NULL ? (size_t)(nl - p) : n;
		size_t ll = e - o;
		if (ll > 0 && p[o + ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if (nl == NULL && lines > 0)
			break;		/* a cut last line: judge what we saw */
		if (p[o] == ' ' || p[o] == '\t') {
			if (fields == 0)
				return false;
		} else {
			size_t fl = field_name_len(p + o, ll);
			if (fl == 0)
				return false;
			fields++;
			if (name_in(p + o, fl, known))
				nknown++;
			if (name_in(p + o, fl, whole))
				nwhole++;
		}
		lines++;
		o = e + 1;
	}
	return fields >= 3 && nknown >= 2 && nwhole >= 1;
}

static const struct ftype *
sniff_mail(const uint8_t *p, size_t len)
{
	if (AT(p, len, 0, "From ")) {
		const uint8_t *nl = memchr(p, '\n', len < 1024 ? len : 1024);
		if (nl != NULL && looks_header_block(nl + 1, len - (size_t)(nl + 1 - p)))
			return T(T_MBOX);
		return NULL;
	}
	return looks_header_block(p, len) ? T(T_EMAIL) : NULL;
}

/* Does [p, p+n) contain s (lower case), ASCII case ignored? */
static bool
contains_ci(const uint8_t *p, size_t n, const char *s)
{
	size_t m = strlen(s);
	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (g_ascii_strncasecmp((const char *)p + i, s, m) == 0)
			return true;
	return false;
}

/*
 * A web archive (MHTML, RFC 2557): a MIME header block with MIME-Version
 * and a multipart/related Content-Type, and none of a mail's transport
 * fields (looks_header_block() said no).  Word's "Single File Web Page"
 * starts so, and droppers saved it under a .doc name.
 */
static const struct ftype *
sniff_mht(const uint8_t *p, size_t len)
{
	size_t n = len < 16384 ? len : 16384, o = 0;
	unsigned lines = 0;
	bool version = false, related = false, in_ct = false;
	static const char *const mv[] = { "mime-version", NULL };
	static const char *const ct[] = { "content-type", NULL };

	while (o < n && lines < 200) {
		const uint8_t *nl = memchr(p + o, '\n', n - o);
		size_t e = nl != NULL ? (size_t)(nl - p) : n;
		size_t ll = e - o;
		if (ll > 0 && p[o + ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if (p[o] == ' ' || p[o] == '\t') {
			if (lines == 0)
				return NULL;
		} else {
			size_t fl = field_name_len(p + o, ll);
			if (fl == 0)
				return NULL;
			version |= name_in(p + o, fl, mv);
			in_ct = name_in(p + o, fl, ct);
		}
		if (in_ct && contains_ci(p + o, ll, "multipart/related"))
			related = true;
		lines++;
		o = e + 1;
	}
	return version && related ? T(T_MHT) : NULL;
}

/* A lower-cased copy of the window, starting with '\n' so "\nfoo" finds foo at line starts. */
struct lwin {
	char buf[SCRIPT_WINDOW + 2];
	size_t n;
	size_t punct, pn;	/* code punctuation in the first pn raw bytes */
};


static const uint8_t code_punct[256] = { ['('] = 1, [')'] = 1, ['='] = 1,
	[';'] = 1, ['{'] = 1, ['}'] = 1, ['$'] = 1, ['%'] = 1 };

/* Code punctuation in the first n bytes (UTF-16LE: the low bytes count too). */
static size_t
count_punct(const uint8_t *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += code_punct[p[i]];
	return c;
}

static void
lwin_fill(struct lwin *w, const uint8_t *p, size_t len, bool utf16, size_t punct)
{
	char *restrict b = w->buf;
	size_t k = 1;
	b[0] = '\n';
	if (utf16) {
		for (size_t i = 0; i + 1 < len && k < SCRIPT_WINDOW; i += 2) {
			uint16_t c = le16(p + i);
			b[k++] = c < 0x80 ? (char)g_ascii_tolower((char)c) : '?';
		}
	} else {
		size_t n = len < SCRIPT_WINDOW - 1 ? len : SCRIPT_WINDOW - 1;
		const uint8_t *restrict q = p;
		for (size_t i = 0; i < n; i++) {
			uint8_t c = q[i];
			b[i + 1] = (char)(c + ((uint8_t)(c - 'A') < 26u ? 32 : 0));
		}
		k = n + 1;
	}
	b[k] = '\0';
	w->n = k;
	w->punct = punct;
	w->pn = (len < PUNCT_WINDOW ? len : PUNCT_WINDOW) / (utf16 ? 2 : 1);
}

static bool
has(const struct lwin *w, const char *s)
{
	return memmem(w->buf, w->n, s, strlen(s)) != NULL;
}

static unsigned
count_has(const struct lwin *w, const char *const *list)
{
	unsigned n = 0;
	for (; *list != NULL; list++)
		if (has(w, *list))
			n++;
	return n;
}

/* First non-blank byte offset in the window (after the leading '\n'). */
static size_t
lwin_start(const struct lwin *w)
{
	size_t i = 1;
	while (i < w->n && g_ascii_isspace(w->buf[i]))
		i++;
	return i;
}

static bool
starts(const struct lwin *w, size_t at_, const char *s)
{
	size_t n = strlen(s);
	return at_ <= w->n && w->n - at_ >= n && memcmp(w->buf + at_, s, n) == 0;
}

/*
 * Where the root element of an XML document starts in the window: past
 * the XML declaration, processing instructions (<?mso-application ...?>),
 * comments, a DOCTYPE and blanks.  w->n when it is not in the window.
 */
static size_t
xml_root(const struct lwin *w, size_t s)
{
	for (unsigned k = 0; k < 64 && s < w->n; k++) {
		while (s < w->n && g_ascii_isspace(w->buf[s]))
			s++;
		const char *close = NULL;
		if (starts(w, s, "<?"))
			close = "?>";
		else if (starts(w, s, "<!--"))
			close = "-->";
		else if (starts(w, s, "<!"))
			close = ">";
		else
			return s;
		const char *e = memmem(w->buf + s + 2, w->n - s - 2, close, strlen(close));
		if (e == NULL)
			return w->n;
		s = (size_t)(e - w->buf) + strlen(close);
	}
	return w->n;
}

/* Is the root element at s named name (lower case), its namespace ns
 * declared in the window? */
static bool
root_is(const struct lwin *w, size_t s, const char *name, const char *ns)
{
	size_t n = strlen(name);
	if (!starts(w, s, name) || s + n >= w->n)
		return false;
	char c = w->buf[s + n];
	return (c == '>' || c == '/' || g_ascii_isspace(c)) && has(w, ns);
}

/*
 * Office documents saved as one XML file, by their root element and its
 * namespace: Word 2003 XML (WordprocessingML 2003), Flat OPC (an OOXML
 * package as XML, Word/Excel/PowerPoint 2007+ "XML document") and Excel
 * 2003 XML (SpreadsheetML 2003).  Any other XML stays "xml".
 */
static const struct ftype *
sniff_office_xml(const struct lwin *w, size_t s)
{
	size_t r = xml_root(w, s);
	if (r >= w->n)
		return NULL;
	if (root_is(w, r, "<w:worddocument",
	    "http://schemas.microsoft.com/office/word/2003/wordml"))
		return T(T_WORDXML);
	if (root_is(w, r, "<pkg:package",
	    "http://schemas.microsoft.com/office/2006/xmlpackage"))
		return T(T_FLATOPC);
	if ((root_is(w, r, "<workbook", "urn:schemas-microsoft-com:office:spreadsheet") ||
	    root_is(w, r, "<ss:workbook", "urn:schemas-microsoft-com:office:spreadsheet")))
		return T(T_EXCELXML);
	return NULL;
}

static const struct ftype *
sniff_markup(const struct lwin *w)
{
	size_t s = lwin_start(w);
	if (s >= w->n || w->buf[s] != '<')
		return NULL;
	bool xml = starts(w, s, "<?xml");
	const struct ftype *office = xml ? sniff_office_xml(w, s) : NULL;
	if (office != NULL)
		return office;
	if (has(w, "<hta:application"))
		return T(T_HTA);
	if ((has(w, "<job") || has(w, "<package")) && has(w, "<script") &&
	    has(w, "language="))
		return T(T_WSF);
	if (has(w, "<pcsettings"))
		return T(T_SETTINGCONTENT);
	static const char *const html_tags[] = { "<!doctype html", "<html", "<head",
		"<body", "<script", "<iframe", "<meta", "<title", "<div", "<table",
		"<p>", "<p ", "<br", "<a ", "<style", "<span", "<font", "<center", "<form", NULL };
	if (starts(w, s, "<svg") || (xml && has(w, "<svg")) ||
	    (starts(w, s, "<!doctype svg")))
		return T(T_SVG);
	for (const char *const *t = html_tags; *t != NULL; t++)
		if (starts(w, s, *t))
			return T(T_HTML);
	/* a leading comment or XML declaration, then HTML */
	if ((xml || starts(w, s, "<!--")) && (has(w, "<html") || has(w, "<!doctype html")))
		return T(T_HTML);
	if (xml)
		return T(T_XML);
	if (has(w, "<html") || has(w, "<body"))
		return T(T_HTML);
	return NULL;
}

/*
 * Scripts by content.  Each language needs several independent pieces of
 * evidence, most of them things prose and other languages never contain
 * (WScript, CreateObject(, -EncodedCommand, %~dp0 ...).
 */
static const struct ftype *
sniff_script(const struct lwin *w)
{
	size_t s = lwin_start(w);
	if (starts(w, s, "#@~^"))
		return T(T_VBS);	/* Script Encoder output (.vbe/.jse) */
	if (starts(w, 1, "#!")) {
		static const char *const shells[] = { "#!/bin/sh", "#!/bin/bash",
			"#!/usr/bin/env sh", "#!/usr/bin/env bash", "#!/bin/zsh",
			"#!/bin/ksh", "#!/bin/dash", "#!/usr/bin/bash", "#!/bin/csh",
			"#!/usr/bin/env zsh", NULL };
		for (const char *const *t = shells; *t != NULL; t++)
			if (starts(w, 1, *t))
				return T(T_SH);
		if (starts(w, 1, "#!/"))
			return T(T_SCRIPT);
	}
	/* an exported VBA module (what ole.c carves); VBScript rejects it */
	if (starts(w, s, "attribute vb_name"))
		return T(T_VBA);
	if (starts(w, s, "[internetshortcut]"))
		return T(T_URL);

	static const char *const ps[] = { "invoke-expression", "iex(", "iex (",
		"$env:", "-encodedcommand", "-enc ", "net.webclient", "[convert]::frombase64string",
		"downloadstring(", "downloadfile(", "invoke-webrequest", "start-process",
		"-executionpolicy", "[system.reflection.assembly]::load", "set-executionpolicy",
		"get-wmiobject", "-windowstyle hidden", "new-object ", "write-host",
		"$psscriptroot", "[system.text.encoding]::", "| out-null", "-erroraction", NULL };
	static const char *const bat[] = { "%~dp0", "\nset /a ", "\nset /p ", "start /b ",
		"cmd /c ", "cmd.exe /c", "goto :eof", "\n:: ", "\nrem ", "%comspec%",
		"\nif exist ", "\nif not exist ", "bitsadmin /transfer", "certutil -urlcache",
		"certutil -decode", "\nreg add ", "schtasks /create", "\ndel /f", "exit /b",
		"\n@echo ", "\necho off", "%temp%\\", "%appdata%\\", "\ngoto ", NULL };
	static const char *const host[] = { "wscript.", "cscript.", "activexobject",
		"createobject(", "shell.application", "scripting.filesystemobject",
		"wscript.shell", "msxml2.xmlhttp", "adodb.stream", "winmgmts:", NULL };
	static const char *const vbs[] = { "\ndim ", "\nset ", "end sub", "end function",
		"on error resume next", "\nsub ", "\nfunction ", "end if", "executeglobal",
		"execute(", "chr(", "& vbcrlf", "createobject(", "\nconst ", "wend", NULL };
	static const char *const js[] = { "\nvar ", " var ", "\nfunction ", "function(",
		"function (", "\nlet ", "\nconst ", "new activexobject", "eval(",
		"string.fromcharcode", ".charcodeat(", "unescape(", "try {", "});", "'];", NULL };
	static const char *const obf[] = { "eval(", "string.fromcharcode", ".charcodeat(",
		"unescape(", "new activexobject", "atob(", "\\x", NULL };

	if (starts(w, s, "@echo off") || starts(w, s, "@echo on"))
		return T(T_BAT);
	/* prose, lists and CSV: no script worth the token search below */
	if (w->punct * 1024 < w->pn * CODE_PUNCT_MIN)
		return NULL;
	unsigned nhost = count_has(w, host);
	unsigned nvbs = count_has(w, vbs), njs = count_has(w, js);
	/* VB structure wins over the PowerShell or cmd lines a macro runs */
	if (nvbs >= 3 && (has(w, "end sub") || has(w, "end function")) &&
	    (nhost >= 1 || has(w, "on error resume next")))
		return T(T_VBS);
	unsigned nps = count_has(w, ps);
	if (nps >= 3 || (nps >= 2 && (has(w, "invoke-expression") || has(w, "-encodedcommand") ||
	    has(w, "frombase64string") || has(w, "net.webclient"))))
		return T(T_PS1);
	unsigned nbat = count_has(w, bat);
	if (nbat >= 3)
		return T(T_BAT);
	/* code punctuation per KiB separates a script from prose quoting one */
	bool codey = w->punct * 1024 >= w->pn * 20;
	if (nhost >= 1 && codey) {
		bool semis = has(w, ";\n") || has(w, ";\r\n") || has(w, "new activexobject");
		if (semis && njs >= 2)
			return T(T_JS);
		if (!semis && nvbs >= 2)
			return T(T_VBS);
		if (nhost >= 2 && njs >= 1 && semis)
			return T(T_JS);
	}
	if (nvbs >= 4 && has(w, "on error resume next") && codey)
		return T(T_VBS);
	if (codey && njs >= 3 && count_has(w, obf) >= 2 && has(w, "eval("))
		return T(T_JS);
	return NULL;
}

/* Could markup or a script that our token search skips on prose start here? */
static bool
maybe_anchored(const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len && i < 4096 && g_ascii_isspace(p[i]))
		i++;
	if (i >= len)
		return false;
	return p[i] == '<' || p[i] == '@' || p[i] == '#' || p[i] == '[' || p[0] == '#';
}

static const struct ftype *
sniff_text(const uint8_t *p, size_t len)
{
	bool utf16 = false;
	if (AT(p, len, 0, "\xEF\xBB\xBF")) {
		p += 3;
		len -= 3;
	} else if (AT(p, len, 0, "\xFF\xFE")) {
		p += 2;
		len -= 2;
		utf16 = true;
	}
	if (!utf16 && !looks_text(p, len))
		return NULL;
	const struct ftype *t;
	if (!utf16 && (t = sniff_mail(p, len)) != NULL)
		return t;
	if (!utf16 && (t = sniff_mht(p, len)) != NULL)
		return t;
	if (!utf16) {
		size_t n = len < 4096 ? len : 4096;
		if (memmem(p, n, "(This file must be converted with BinHex", 40) != NULL)
			return T(T_BINHEX);
		for (size_t o = 0; o + 10 <= n;) {
			if (memcmp(p + o, "begin ", 6) == 0 && p[o + 6] >= '0' && p[o + 6] <= '7' &&
			    p[o + 7] >= '0' && p[o + 7] <= '7' && p[o + 8] >= '0' && p[o + 8] <= '7' &&
			    p[o + 9] == ' ')
				return T(T_UUENCODE);
			const uint8_t *nl = memchr(p + o, '\n', n - o);
			if (nl == NULL)
				break;
			o = (size_t)(nl - p) + 1;
		}
	}
	/* the common case: prose or a list, no markup, nothing a script starts with */
	size_t punct = count_punct(p, len < PUNCT_WINDOW ? len : PUNCT_WINDOW);
	size_t pn = len < PUNCT_WINDOW ? len : PUNCT_WINDOW;
	if (!utf16 && punct * 1024 < pn * CODE_PUNCT_MIN && !maybe_anchored(p, len))
		return T(T_TEXT);
	static _Thread_local struct lwin win;
	lwin_fill(&win, p, len, utf16, punct);
	t = sniff_markup(&win);
	if (t == NULL)
		t = sniff_script(&win);
	return t != NULL ? t : T(T_TEXT);
}

/* ---- libmagic ---- */

struct magics {
	magic_t desc;		/* MAGIC_NONE: the description */
	magic_t mime;		/* MAGIC_MIME_TYPE: mapped to our ids */
};

/* tests that cost time and never change our answer */
#define MAGIC_SKIP (MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | \
	MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV)

static void
magics_free(gpointer data)
{
	struct magics *m = data;
	if (m->desc != NULL)
		magic_close(m->desc);
	if (m->mime != NULL)
		magic_close(m->mime);
	g_free(m);
}

static GPrivate magic_key = G_PRIVATE_INIT(magics_free);

static magic_t
magic_open_loaded(int flags)
{
	magic_t m = magic_open(flags);
	if (m == NULL)
		return NULL;
	if (magic_load(m, NULL) != 0) {
		magic_close(m);
		return NULL;
	}
	return m;
}

static struct magics *
magics_get(void)
{
	struct magics *m = g_private_get(&magic_key);
	if (m == NULL) {
		m = g_new0(struct magics, 1);
		m->desc = magic_open_loaded(MAGIC_NONE | MAGIC_SKIP);
		m->mime = magic_open_loaded(MAGIC_MIME_TYPE | MAGIC_SKIP);
		g_private_set(&magic_key, m);
	}
	return m;
}

static const struct {
	const char *mime;
	int type;
} mime_map[] = {
	{ "application/x-dosexec", T_PE },
	{ "application/vnd.microsoft.portable-executable", T_PE },
	{ "application/x-msdownload", T_PE },
	{ "application/x-executable", T_ELF },
	{ "application/x-sharedlib", T_ELF },
	{ "application/x-pie-executable", T_ELF },
	{ "application/x-object", T_ELF },
	{ "application/x-mach-binary", T_MACHO },
	{ "application/x-msi", T_MSI },
	{ "application/x-ms-shortcut", T_LNK },
	{ "application/java-archive", T_JAR },
	{ "application/msword", T_DOC },
	{ "application/vnd.ms-excel", T_XLS },
	{ "application/vnd.ms-powerpoint", T_PPT },
	{ "application/vnd.ms-outlook", T_MSG },
	{ "application/x-ole-storage", T_OLE2 },
	{ "application/CDFV2", T_OLE2 },
	{ "application/pdf", T_PDF },
	{ "text/rtf", T_RTF },
	{ "application/rtf", T_RTF },
	{ "text/html", T_HTML },
	{ "image/svg+xml", T_SVG },
	{ "text/xml", T_XML },
	{ "application/xml", T_XML },
	{ "application/zip", T_ZIP },
	{ "application/x-7z-compressed", T_7Z },
	{ "application/x-rar", T_RAR },
	{ "application/vnd.rar", T_RAR },
	{ "application/x-tar", T_TAR },
	{ "application/gzip", T_GZIP },
	{ "application/x-gzip", T_GZIP },
	{ "application/x-bzip2", T_BZIP2 },
	{ "application/x-xz", T_XZ },
	{ "application/zstd", T_ZSTD },
	{ "application/x-lzma", T_LZMA },
	{ "application/vnd.ms-cab-compressed", T_CAB },
	{ "application/x-cpio", T_CPIO },
	{ "application/x-arj", T_ARJ },
	{ "application/x-lha", T_LHA },
	{ "application/x-lharc", T_LHA },
	{ "application/x-lzh-compressed", T_LHA },
	{ "application/x-ace-compressed", T_ACE },
	{ "application/x-iso9660-image", T_ISO },
	{ "application/x-chm", T_CHM },
	{ "application/vnd.ms-htmlhelp", T_CHM },
	{ "message/rfc822", T_EMAIL },
	{ "application/mbox", T_MBOX },
	{ "application/vnd.ms-tnef", T_TNEF },
	{ "application/mac-binhex40", T_BINHEX },
	{ "text/x-uuencode", T_UUENCODE },
	{ "image/png", T_PNG },
	{ "image/jpeg", T_JPEG },
	{ "image/gif", T_GIF },
	{ "image/bmp", T_BMP },
	{ "image/x-ms-bmp", T_BMP },
	{ "image/tiff", T_TIFF },
	{ "image/vnd.microsoft.icon", T_ICO },
	{ "image/x-icon", T_ICO },
	{ "image/webp", T_WEBP },
	{ "application/x-empty", T_EMPTY },
	{ "inode/x-empty", T_EMPTY },
};

static const struct ftype *
map_mime(const char *mime)
{
	if (mime == NULL)
		return T(T_UNKNOWN);
	for (size_t i = 0; i < G_N_ELEMENTS(mime_map); i++)
		if (g_ascii_strcasecmp(mime, mime_map[i].mime) == 0)
			return T(mime_map[i].type);
	if (g_str_has_prefix(mime, "application/vnd.openxmlformats-officedocument"))
		return T(T_OOXML);
	if (g_str_has_prefix(mime, "application/vnd.oasis.opendocument"))
		return T(T_ODF);
	return T(T_UNKNOWN);
}

static void
set_desc(char *desc, size_t desclen, const char *s)
{
	if (desc == NULL || desclen == 0)
		return;
	g_strlcpy(desc, s != NULL ? s : "", desclen);
}

const struct ftype *
ftype_detect(const uint8_t *p, size_t len, uint64_t total_len, char *desc, size_t desclen)
{
	set_desc(desc, desclen, NULL);
	if (p == NULL)
		len = 0;
	if (total_len < len)
		total_len = len;
	if (len == 0) {
		set_desc(desc, desclen, total_len == 0 ? "empty" : "data");
		return total_len == 0 ? T(T_EMPTY) : T(T_UNKNOWN);
	}
	const struct ftype *t = sniff_binary(p, len, total_len);
	if (t == NULL && memmem(p, len < PDF_WINDOW ? len : PDF_WINDOW, "%PDF-", 5) != NULL)
		t = T(T_PDF);
	if (t == NULL)
		t = sniff_text(p, len);
	if (t != NULL && desc == NULL)
		return t;

	struct magics *m = magics_get();
	size_t ml = len < FTYPE_MAGIC_MAX ? len : FTYPE_MAGIC_MAX;
	if (desc != NULL && m->desc != NULL)
		set_desc(desc, desclen, magic_buffer(m->desc, p, ml));
	if (t != NULL)
		return t;
	if (m->mime == NULL)
		return T(T_UNKNOWN);
	return map_mime(magic_buffer(m->mime, p, ml));
}
