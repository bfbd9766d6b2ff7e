/*
 * lnk_abuse.yar - Windows shortcut (.lnk, MS-SHLLINK) files that start
 * script hosts or living-off-the-land binaries.
 *
 * Written for mamori (see yara/README.md).  A shell link starts with the
 * header size 0x4C and the class id 00021401-0000-0000-C000-000000000046;
 * LinkFlags (offset 0x14) say which parts follow: 0x1 item id list,
 * 0x2 link info, 0x4 name, 0x8 relative path, 0x10 working directory,
 * 0x20 arguments, 0x80 strings are UTF-16LE.  The strings are UTF-16LE in
 * practice, so every string here is `wide` (and `ascii` where the link
 * info keeps an ANSI copy of the target path).
 */

private rule LNK_Header
{
	condition:
		uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and
		uint32(8) == 0 and uint32(12) == 0x000000C0 and uint32(16) == 0x46000000
}

rule LNK_Target_Script_Host
{
	meta:
		description = "Shortcut whose target is a script host or a living-off-the-land binary (powershell, cmd, mshta, rundll32, regsvr32, wscript, cscript, certutil, bitsadmin, curl, msiexec)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1204/002/ T1218"
		date = "2026-11-26"
	strings:
		$b1 = "powershell.exe" nocase ascii wide
		$b2 = "\\cmd.exe" nocase ascii wide
		$b3 = "mshta.exe" nocase ascii wide
		$b4 = "rundll32.exe" nocase ascii wide
		$b5 = "regsvr32.exe" nocase ascii wide
		$b6 = "wscript.exe" nocase ascii wide
		$b7 = "cscript.exe" nocase ascii wide
		$b8 = "certutil.exe" nocase ascii wide
		$b9 = "bitsadmin.exe" nocase ascii wide
		$b10 = "\\curl.exe" nocase ascii wide
		$b11 = "msiexec.exe" nocase ascii wide
		$b12 = "forfiles.exe" nocase ascii wide
		$b13 = "pwsh.exe" nocase ascii wide
	condition:
		LNK_Header and any of them
}

rule LNK_Suspicious_Arguments
{
	meta:
		description = "Shortcut with command-line arguments that download, decode or hide what they run"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1204/002/ T1059.001 T1105"
		date = "2026-11-26"
	strings:
		$a1 = "-enc " nocase wide
		$a2 = "-encodedcommand" nocase wide
		$a3 = "-e JAB" nocase wide
		$a4 = "-e SQB" nocase wide
		$a5 = "hidden" nocase wide
		$a6 = "-nop " nocase wide
		$a7 = "-noprofile" nocase wide
		$a8 = "iex(" nocase wide
		$a9 = "iex (" nocase wide
		$a10 = "Invoke-Expression" nocase wide
		$a11 = "DownloadString" nocase wide
		$a12 = "DownloadFile" nocase wide
		$a13 = "Invoke-WebRequest" nocase wide
		$a14 = "http://" nocase wide
		$a15 = "https://" nocase wide
		$a16 = "FromBase64String" nocase wide
		$a17 = "javascript:" nocase wide
		$a18 = "vbscript:" nocase wide
		$a19 = "-urlcache" nocase wide
		$a20 = "/transfer" nocase wide
		$a21 = "scrobj.dll" nocase wide
		$a22 = "/c start" nocase wide
		$a23 = "%comspec%" nocase wide
		$a24 = "\\\\" wide
	condition:
		LNK_Header and (uint32(0x14) & 0x20) != 0 and any of them
}

rule LNK_Whitespace_Padding
{
	meta:
		description = "Shortcut whose strings hold a long run of spaces or line breaks (pads the real command out of the properties dialog)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1036/ T1204.002"
		date = "2026-11-26"
	strings:
		// 32 spaces, 16 LFs, 16 CRLFs as UTF-16LE
		$sp = { 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00
		        20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 20 00 }
		$lf = { 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 0A 00 }
		$crlf = { 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00
		          0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 0D 00 0A 00 }
	condition:
		LNK_Header and (uint32(0x14) & 0x20) != 0 and any of them
}

rule LNK_Long_Arguments
{
	meta:
		description = "Shortcut whose command-line arguments are longer than 1024 characters (found by walking the MS-SHLLINK structure)"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1204/002/"
		date = "2026-11-26"
	condition:
		// p1: end of the item id list and link info; p2..p4: after NAME,
		// RELATIVE_PATH, WORKING_DIR (2-byte count + count chars, 2 bytes
		// each when IsUnicode); at p4 the count of COMMAND_LINE_ARGUMENTS
		LNK_Header and (uint32(0x14) & 0x20) != 0 and
		for any p0 in (0x4C + (uint32(0x14) & 1) * (2 + uint16(0x4C))) : (
			for any p1 in (p0 + ((uint32(0x14) >> 1) & 1) * uint32(p0)) : (
				for any p2 in (p1 + ((uint32(0x14) >> 2) & 1) * (2 + uint16(p1) * (1 + ((uint32(0x14) >> 7) & 1)))) : (
					for any p3 in (p2 + ((uint32(0x14) >> 3) & 1) * (2 + uint16(p2) * (1 + ((uint32(0x14) >> 7) & 1)))) : (
						uint16(p3 + ((uint32(0x14) >> 4) & 1) * (2 + uint16(p3) * (1 + ((uint32(0x14) >> 7) & 1)))) > 1024
					)
				)
			)
		)
}
