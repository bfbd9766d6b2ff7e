/*
 * onenote_abuse.yar - OneNote sections (.one) carrying scripts, programs
 * or shortcuts behind a "double click to view" picture.
 *
 * Written for mamori (see yara/README.md).  A .one file starts with the
 * file-format GUID {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}; each embedded
 * file is a FileDataStoreObject: the GUID {BDE316E7-2665-4511-A4C4-
 * 8D4D0B7A9EAC}, an 8-byte length, 12 reserved bytes, then the file's
 * bytes (at GUID + 36).  OneNote text is UTF-16LE.
 */

private rule OneNote_Header
{
	condition:
		uint32be(0) == 0xE4525C7B and uint32be(4) == 0x8CD8A74D and
		uint32be(8) == 0xAEB15378 and uint32be(12) == 0xD02996D3
}

rule OneNote_Embedded_PE
{
	meta:
		description = "OneNote section with an embedded Windows program (a FileDataStoreObject whose data starts with MZ)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1566/001/ T1204.002"
		date = "2026-11-26"
	strings:
		$fdso = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
	condition:
		OneNote_Header and for any i in (1..#fdso) : (uint16(@fdso[i] + 36) == 0x5A4D)
}

rule OneNote_Embedded_LNK
{
	meta:
		description = "OneNote section with an embedded Windows shortcut (.lnk)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1566/001/ T1204.002"
		date = "2026-11-26"
	strings:
		$fdso = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
	condition:
		OneNote_Header and for any i in (1..#fdso) : (
			uint32(@fdso[i] + 36) == 0x0000004C and uint32(@fdso[i] + 40) == 0x00021401)
}

rule OneNote_Embedded_Script
{
	meta:
		description = "OneNote section with an embedded file and script markers (HTA, WSF, VBScript/JScript, batch, PowerShell)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1566/001/ T1059"
		date = "2026-11-26"
	strings:
		$fdso = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
		$s1 = "<HTA:APPLICATION" nocase
		$s2 = "<job" nocase
		$s3 = "<script language=" nocase
		$s4 = "WScript.Shell" nocase
		$s5 = "CreateObject(" nocase
		$s6 = "ActiveXObject" nocase
		$s7 = "@echo off" nocase
		$s8 = "powershell" nocase
		$s9 = "cmd /c" nocase
		$s10 = "Shell.Application" nocase
		$s11 = "mshta" nocase
	condition:
		OneNote_Header and $fdso and any of ($s*)
}

rule OneNote_Click_To_View_Lure
{
	meta:
		description = "OneNote section with an embedded file and 'double click to view' lure text"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1204/002/"
		date = "2026-11-26"
	strings:
		$fdso = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
		$l1 = "click to view" nocase wide
		$l2 = "double click" nocase wide
		$l3 = "double-click" nocase wide
		$l4 = "click to open" nocase wide
		$l5 = "to view the document" nocase wide
		$l6 = "to view the file" nocase wide
		$l7 = { C0 30 D6 30 EB 30 AF 30 EA 30 C3 30 AF 30 }  // "ダブルクリック" (double click) in UTF-16LE
	condition:
		OneNote_Header and $fdso and any of ($l*)
}
