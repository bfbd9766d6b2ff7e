/*
 * office_droppers.yar - Office documents that run code when opened.
 *
 * Written for mamori (see yara/README.md for the conventions).  The rules
 * look at what is really in the bytes: in an OLE2 file the VBA source is
 * compressed (MS-OVBA), but the directory entry "_VBA_PROJECT" (UTF-16LE)
 * and the identifier table of the compiled p-code keep names such as
 * AutoOpen or URLDownloadToFileA as plain ASCII.  OOXML parts are deflated
 * inside the zip, so the XML rules match the parts the object tree
 * extracts (document.xml, *.rels, externalLink*.xml, macrosheets).
 */

rule Office_VBA_AutoExec
{
	meta:
		description = "OLE2 file with a VBA project and an auto-run entry point (AutoOpen, Auto_Open, Document_Open, Workbook_Open...)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1137/ T1204.002"
		date = "2026-11-26"
	strings:
		$vba = "_VBA_PROJECT" wide
		$a1 = "AutoOpen" nocase
		$a2 = "Auto_Open" nocase
		$a3 = "Document_Open" nocase
		$a4 = "Workbook_Open" nocase
		$a5 = "AutoExec" nocase
		$a6 = "AutoClose" nocase
		$a7 = "Auto_Close" nocase
		$a8 = "Document_Close" nocase
		$a9 = "Workbook_Activate" nocase
	condition:
		uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and $vba and any of ($a*)
}

rule Office_VBA_AutoExec_Suspicious_Calls
{
	meta:
		description = "OLE2 VBA project with an auto-run entry point and calls that download, run programs or inject code"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1204/002/ T1105 T1059.005"
		date = "2026-11-26"
	strings:
		$vba = "_VBA_PROJECT" wide
		$a1 = "AutoOpen" nocase
		$a2 = "Auto_Open" nocase
		$a3 = "Document_Open" nocase
		$a4 = "Workbook_Open" nocase
		$a5 = "AutoExec" nocase
		$a6 = "AutoClose" nocase
		$a7 = "Auto_Close" nocase
		$a8 = "Document_Close" nocase
		$s1 = "URLDownloadToFile" nocase
		$s2 = "WScript.Shell" nocase
		$s3 = "Shell.Application" nocase
		$s4 = "ShellExecute" nocase
		$s5 = "XMLHTTP" nocase
		$s6 = "ADODB.Stream" nocase
		$s7 = "powershell" nocase
		$s8 = "WinHttpRequest" nocase
		$s9 = "CreateProcess" nocase
		$s10 = "VirtualAlloc" nocase
		$s11 = "RtlMoveMemory" nocase
		$s12 = "CreateThread" nocase
		$s13 = "Win32_Process" nocase
		$s14 = "Shell" fullword
	condition:
		uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and $vba
		and any of ($a*) and any of ($s*)
}

rule Office_VBA_Source_Dropper
{
	meta:
		description = "VBA source (decompressed module text) with an auto-run procedure that downloads or runs programs"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/005/ T1204.002"
		date = "2026-11-26"
	strings:
		$p1 = "Sub AutoOpen(" nocase
		$p2 = "Sub Auto_Open(" nocase
		$p3 = "Sub Document_Open(" nocase
		$p4 = "Sub Workbook_Open(" nocase
		$p5 = "Sub AutoExec(" nocase
		$p6 = "Sub AutoClose(" nocase
		$p7 = "Sub Document_Close(" nocase
		$s1 = "URLDownloadToFile" nocase
		$s2 = "WScript.Shell" nocase
		$s3 = "Shell.Application" nocase
		$s4 = "XMLHTTP" nocase
		$s5 = "ADODB.Stream" nocase
		$s6 = "powershell" nocase
		$s7 = "cmd /c" nocase
		$s8 = "cmd.exe /c" nocase
		$s9 = "Win32_Process" nocase
		$s10 = "Shell(" nocase
		$s11 = "Shell " nocase fullword
		$s12 = "CreateProcess" nocase
		$s13 = "VirtualAlloc" nocase
	condition:
		filesize < 4MB and any of ($p*) and any of ($s*)
}

rule Office_XLM_Macro_Sheet_BIFF
{
	meta:
		description = "Excel 97-2003 workbook with an Excel 4.0 (XLM) macro sheet (BOF record of type macro sheet)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/ (Excel 4.0 macros)"
		date = "2026-11-26"
	strings:
		// BOF: type 0x0809, size 16, BIFF8 0x0600, dt 0x0040 = macro sheet
		$bof = { 09 08 10 00 00 06 40 00 }
	condition:
		uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and $bof
}

rule Office_XLM_Macro_Sheet_Dropper_BIFF
{
	meta:
		description = "Excel 4.0 macro sheet with strings of API or program launches (EXEC/CALL/REGISTER droppers)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/ T1218"
		date = "2026-11-26"
	strings:
		$bof = { 09 08 10 00 00 06 40 00 }
		$s1 = "URLDownloadToFile" nocase ascii wide
		$s2 = "urlmon" nocase ascii wide
		$s3 = "ShellExecute" nocase ascii wide
		$s4 = "VirtualAlloc" nocase ascii wide
		$s5 = "CreateThread" nocase ascii wide
		$s6 = "WriteProcessMemory" nocase ascii wide
		$s7 = "powershell" nocase ascii wide
		$s8 = "mshta" nocase ascii wide
		$s9 = "rundll32" nocase ascii wide
		$s10 = "regsvr32" nocase ascii wide
		$s11 = "cmd /c" nocase ascii wide
		$s12 = "certutil" nocase ascii wide
	condition:
		uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and $bof and any of ($s*)
}

rule Office_XLM_Macro_Sheet_OOXML
{
	meta:
		description = "OOXML workbook (zip) with an Excel 4.0 macro sheet part (xl/macrosheets/)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/ (Excel 4.0 macros)"
		date = "2026-11-26"
	strings:
		$part = "xl/macrosheets/"
	condition:
		uint32(0) == 0x04034B50 and $part
}

rule Office_XLM_Macro_Formulas_XML
{
	meta:
		description = "Extracted macro sheet XML whose formulas run programs or call DLL functions (EXEC, CALL, REGISTER)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/ T1218"
		date = "2026-11-26"
	strings:
		$root = "<xm:macrosheet"
		$f1 = "EXEC(" nocase
		$f2 = "CALL(" nocase
		$f3 = "REGISTER(" nocase
		$f4 = "URLDownloadToFile" nocase
		$f5 = "ShellExecute" nocase
	condition:
		$root and any of ($f*)
}

rule Office_OOXML_Macro_Project
{
	meta:
		description = "OOXML document (zip) carrying a VBA project (vbaProject.bin): a macro-enabled document"
		severity = "low"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1137/"
		date = "2026-11-26"
	strings:
		$bin = "vbaProject.bin"
	condition:
		uint32(0) == 0x04034B50 and $bin
}

rule Office_Remote_Template_Injection
{
	meta:
		description = "OOXML relationships part with an attached template loaded from a remote or UNC location"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1221/"
		date = "2026-11-26"
	strings:
		$rels = "<Relationships"
		$ext = "TargetMode=\"External\""
		$t1 = "relationships/attachedTemplate\" Target=\"http" nocase
		$t2 = "relationships/attachedTemplate\" Target=\"\\\\"
		$t3 = "relationships/attachedTemplate\" Target=\"file:" nocase
	condition:
		$rels and $ext and any of ($t*)
}

rule Office_External_OLE_Object_Link
{
	meta:
		description = "OOXML relationships part linking an OLE object from a remote location (TargetMode External)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1221/ T1559.001"
		date = "2026-11-26"
	strings:
		$rels = "<Relationships"
		$ext = "TargetMode=\"External\""
		$t1 = "relationships/oleObject\" Target=\"http" nocase
		$t2 = "relationships/oleObject\" Target=\"\\\\"
		$t3 = "relationships/oleObject\" Target=\"file:" nocase
		$t4 = "relationships/oleObject\" Target=\"mhtml:" nocase
	condition:
		$rels and $ext and any of ($t*)
}

rule Office_DDE_Field_XML
{
	meta:
		description = "WordprocessingML with a DDE/DDEAUTO field instruction (runs a program when fields update)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1559/002/"
		date = "2026-11-26"
	strings:
		$w = "<w:document"
		$i1 = "<w:instrText"
		$i2 = "w:instr=\""
		$d1 = "DDEAUTO" nocase
		$d2 = ">DDE " nocase
		$d3 = "> DDE " nocase
		$d4 = "\" DDE " nocase
	condition:
		$w and any of ($i*) and any of ($d*)
}

rule Office_DDE_Link_XML
{
	meta:
		description = "SpreadsheetML external link part with a DDE link (ddeLink: service and topic run a program)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1559/002/"
		date = "2026-11-26"
	strings:
		$l = "<ddeLink"
		$s = "ddeService=\""
	condition:
		$l and $s
}

rule Office_DDE_Field_Binary
{
	meta:
		description = "Word 97-2003 (OLE2) document with a DDEAUTO field in its text"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1559/002/"
		date = "2026-11-26"
	strings:
		$d = "DDEAUTO" nocase ascii wide
	condition:
		uint32be(0) == 0xD0CF11E0 and uint32be(4) == 0xA1B11AE1 and $d
}

rule Office_CSV_DDE_Injection
{
	meta:
		description = "CSV or text cell formula that starts a program through DDE (=cmd|'...'!A0)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1559/002/ (CSV injection)"
		date = "2026-11-26"
	strings:
		$c1 = "=cmd|" nocase
		$c2 = "=cmd.exe|" nocase
		$c3 = "=powershell|" nocase
		$c4 = "=mshta|" nocase
		$c5 = "=msexcel|" nocase
		$c6 = "+cmd|" nocase
		$c7 = "-cmd|" nocase
		$c8 = "@SUM(cmd|" nocase
		$c9 = "=rundll32|" nocase
	condition:
		filesize < 10MB and any of them
}
