/*
 * containers.yar - cheap, high-signal checks on disk images and on the
 * object's declared file name (the `filename` external).
 *
 * Written for mamori (see yara/README.md).  ISO 9660 images have the
 * volume descriptor id "CD001" at 0x8001; mail has no business carrying
 * programs or shortcuts inside them (mark-of-the-web evasion).
 */

rule ISO_Embedded_PE
{
	meta:
		description = "ISO 9660 disk image holding a Windows program"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1553/005/"
		date = "2026-11-26"
	strings:
		$dos = "This program cannot be run in DOS mode"
	condition:
		uint32(0x8001) == 0x30304443 and uint8(0x8005) == 0x31 and $dos
}

rule ISO_Embedded_LNK
{
	meta:
		description = "ISO 9660 disk image holding a Windows shortcut (.lnk)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1553/005/ T1204.002"
		date = "2026-11-26"
	strings:
		$lnk = { 4C 00 00 00 01 14 02 00 00 00 00 00 C0 00 00 00 00 00 00 46 }
	condition:
		uint32(0x8001) == 0x30304443 and uint8(0x8005) == 0x31 and $lnk
}

rule Filename_Double_Extension
{
	meta:
		description = "Declared file name hiding an executable or script extension behind a document one (invoice.pdf.exe)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1036/007/"
		date = "2026-11-26"
	condition:
		filename matches /\.(pdf|docx?|xlsx?|pptx?|rtf|txt|jpe?g|png|gif|html?|zip)[ _.]*\.(exe|scr|com|pif|cpl|js|jse|vbs|vbe|wsf|hta|lnk|bat|cmd|ps1|msi|iso|img)$/i
}

rule Filename_RTL_Override
{
	meta:
		description = "Declared file name containing the Unicode right-to-left override (U+202E) that reverses how the extension is shown"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1036/002/"
		date = "2026-11-26"
	condition:
		filename contains "\xE2\x80\xAE"
}
