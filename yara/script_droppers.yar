/*
 * script_droppers.yar - JScript, VBScript, WSF, HTA, PowerShell and batch
 * files that download and run a second stage.
 *
 * Written for mamori (see yara/README.md).  Each rule wants two things
 * together (an object that runs or fetches, and what it runs or fetches),
 * so that a script that merely mentions one of them does not match.
 */

rule Script_WScript_Shell_Run_LOLBin
{
	meta:
		description = "Script creating WScript.Shell or Shell.Application and running a shell, script host or living-off-the-land binary"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/005/ T1059/007 T1218"
		date = "2026-11-26"
	strings:
		$o1 = "WScript.Shell" nocase ascii wide
		$o2 = "Shell.Application" nocase ascii wide
		$r1 = ".Run" nocase ascii wide
		$r2 = ".Exec" nocase ascii wide
		$r3 = "ShellExecute" nocase ascii wide
		$c1 = "powershell" nocase ascii wide
		$c2 = "cmd /c" nocase ascii wide
		$c3 = "cmd.exe /c" nocase ascii wide
		$c4 = "mshta" nocase ascii wide
		$c5 = "rundll32" nocase ascii wide
		$c6 = "regsvr32" nocase ascii wide
		$c7 = "certutil" nocase ascii wide
		$c8 = "bitsadmin" nocase ascii wide
		$c9 = "%TEMP%" nocase ascii wide
		$c10 = "%APPDATA%" nocase ascii wide
		$c11 = "msiexec" nocase ascii wide
		$c12 = "curl " nocase ascii wide
	condition:
		filesize < 20MB and any of ($o*) and any of ($r*) and any of ($c*)
}

rule Script_XMLHTTP_ADODB_Downloader
{
	meta:
		description = "Script fetching a URL with XMLHTTP/WinHttp and writing the answer to disk with ADODB.Stream"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1105/ T1059.005 T1059.007"
		date = "2026-11-26"
	strings:
		$h1 = "XMLHTTP" nocase ascii wide
		$h2 = "WinHttp.WinHttpRequest" nocase ascii wide
		$s1 = "ADODB.Stream" nocase ascii wide
		$w1 = "SaveToFile" nocase ascii wide
		$w2 = "responseBody" nocase ascii wide
	condition:
		filesize < 20MB and any of ($h*) and $s1 and any of ($w*)
}

rule Script_PowerShell_Download_Cradle
{
	meta:
		description = "PowerShell that downloads and runs code (WebClient/Invoke-WebRequest with IEX or Start-Process)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/001/ T1105"
		date = "2026-11-26"
	strings:
		$d1 = "DownloadString(" nocase ascii wide
		$d2 = "DownloadFile(" nocase ascii wide
		$d3 = "DownloadData(" nocase ascii wide
		$d4 = "Invoke-WebRequest" nocase ascii wide
		$d5 = "Start-BitsTransfer" nocase ascii wide
		$d6 = "Net.WebClient" nocase ascii wide
		$d7 = "Invoke-RestMethod" nocase ascii wide
		$d8 = "iwr http" nocase ascii wide
		$x1 = "IEX(" nocase ascii wide
		$x2 = "IEX (" nocase ascii wide
		$x3 = "| IEX" nocase ascii wide
		$x4 = "|IEX" nocase ascii wide
		$x5 = "Invoke-Expression" nocase ascii wide
		$x6 = "Start-Process" nocase ascii wide
		$x7 = ".Invoke(" nocase ascii wide
		$x8 = "rundll32" nocase ascii wide
	condition:
		filesize < 20MB and any of ($d*) and any of ($x*)
}

rule Script_PowerShell_Encoded_Command
{
	meta:
		description = "Command line starting PowerShell with a base64-encoded command (-enc / -EncodedCommand)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/001/ T1027"
		date = "2026-11-26"
	strings:
		$p = "powershell" nocase ascii wide
		$e1 = " -enc " nocase ascii wide
		$e2 = " -encodedcommand " nocase ascii wide
		$e3 = " -ec " nocase ascii wide
		$e4 = " -en " nocase ascii wide
		$e5 = " -e JAB" nocase ascii wide
		$e6 = " -e SQB" nocase ascii wide
		$e7 = " -e aQB" nocase ascii wide
		$e8 = " -e cwB" nocase ascii wide
	condition:
		filesize < 20MB and $p and any of ($e*)
}

rule Script_LOLBin_Download_Execute
{
	meta:
		description = "Living-off-the-land download or proxy execution: certutil -urlcache, bitsadmin /transfer, mshta http/vbscript, regsvr32 /i:http (squiblydoo), rundll32 javascript:"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1218/ T1218.005 T1218.010 T1218.011 T1105 T1197"
		date = "2026-11-26"
	strings:
		$cu = "certutil" nocase ascii wide
		$cu_a = "-urlcache" nocase ascii wide
		$cu_b = "/urlcache" nocase ascii wide
		$cu_c = "-decode " nocase ascii wide
		$ba = "bitsadmin" nocase ascii wide
		$ba_a = "/transfer" nocase ascii wide
		$ba_b = "/addfile" nocase ascii wide
		$ms1 = "mshta http" nocase ascii wide
		$ms2 = "mshta.exe http" nocase ascii wide
		$ms3 = "mshta vbscript:" nocase ascii wide
		$ms4 = "mshta javascript:" nocase ascii wide
		$ms5 = "mshta.exe vbscript:" nocase ascii wide
		$ms6 = "mshta.exe javascript:" nocase ascii wide
		$rs = "regsvr32" nocase ascii wide
		$rs_a = "/i:http" nocase ascii wide
		$rs_b = "scrobj.dll" nocase ascii wide
		$rd = "rundll32" nocase ascii wide
		$rd_a = "javascript:" nocase ascii wide
		$rd_b = "url.dll,FileProtocolHandler" nocase ascii wide
	condition:
		filesize < 20MB and (
			($cu and any of ($cu_*)) or
			($ba and any of ($ba_*)) or
			any of ($ms*) or
			($rs and any of ($rs_*)) or
			($rd and any of ($rd_*)))
}

rule Script_HTA_Dropper
{
	meta:
		description = "HTML application (HTA) with script that creates shell or download objects"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1218/005/"
		date = "2026-11-26"
	strings:
		$hta = "<HTA:APPLICATION" nocase
		$s1 = "WScript.Shell" nocase
		$s2 = "Shell.Application" nocase
		$s3 = "ActiveXObject" nocase
		$s4 = "CreateObject" nocase
		$s5 = "powershell" nocase
	condition:
		filesize < 20MB and $hta and any of ($s*)
}

rule Script_WSF_Dropper
{
	meta:
		description = "Windows Script File (<job> with <script language=...>) that creates shell or download objects"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1059/005/ T1059.007"
		date = "2026-11-26"
	strings:
		$job = "<job" nocase
		$lang = "<script language=" nocase
		$s1 = "WScript.Shell" nocase
		$s2 = "Shell.Application" nocase
		$s3 = "XMLHTTP" nocase
		$s4 = "ADODB.Stream" nocase
		$s5 = "powershell" nocase
	condition:
		filesize < 20MB and $job and $lang and any of ($s*)
}

rule Script_Concatenation_Obfuscation
{
	meta:
		description = "Script built from many tiny concatenated string pieces next to a script-host object (hides keywords from filters)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1027/"
		date = "2026-11-26"
	strings:
		$j1 = "\"+\""
		$j2 = "' + '"
		$j3 = "'+'"
		$j4 = "\" + \""
		$v1 = "\" & \""
		$v2 = "\"&\""
		$c1 = "Chr(" nocase
		$c2 = "ChrW(" nocase
		$c3 = "String.fromCharCode(" nocase
		$h1 = "ActiveXObject" nocase
		$h2 = "CreateObject" nocase
		$h3 = "WScript" nocase
		$h4 = "Execute" nocase
		$h5 = "eval(" nocase
	condition:
		filesize < 20MB and any of ($h*) and
		((#j1 + #j2 + #j3 + #j4 + #v1 + #v2) > 40 or (#c1 + #c2 + #c3) > 40)
}
