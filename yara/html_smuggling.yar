/*
 * html_smuggling.yar - HTML that builds a file in the browser and saves
 * it (HTML smuggling): the payload passes mail filters as script text.
 *
 * Written for mamori (see yara/README.md).  The rules want the building
 * blocks together: decoding (atob, Uint8Array, charCodeAt), a Blob, and a
 * way to save it (createObjectURL + a.download, msSaveOrOpenBlob); or a
 * download link whose href is a data: URI of a binary type.
 */

rule HTML_Smuggling_Blob_Download
{
	meta:
		description = "Script that decodes data into a Blob and saves it as a download (createObjectURL + download, or msSaveOrOpenBlob)"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1027/006/"
		date = "2026-11-26"
	strings:
		$blob1 = "new Blob(" nocase
		$blob2 = "new Blob (" nocase
		$blob3 = "new window.Blob(" nocase
		$dec1 = "atob(" nocase
		$dec2 = "Uint8Array" nocase
		$dec3 = "charCodeAt" nocase
		$dec4 = "base64ToArrayBuffer" nocase
		$save1 = "createObjectURL" nocase
		$save2 = "msSaveOrOpenBlob" nocase
		$save3 = "msSaveBlob" nocase
		$dl1 = ".download=" nocase
		$dl2 = ".download =" nocase
		$dl3 = "setAttribute(\"download\"" nocase
		$dl4 = "setAttribute('download'" nocase
		$dl5 = "msSaveOrOpenBlob" nocase
		$dl6 = "msSaveBlob" nocase
	condition:
		filesize < 50MB and any of ($blob*) and any of ($dec*) and any of ($save*) and any of ($dl*)
}

rule HTML_Smuggling_Data_URI_Download
{
	meta:
		description = "Download link or script with a base64 data: URI of an executable, archive or disk-image type"
		severity = "high"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1027/006/"
		date = "2026-11-26"
	strings:
		$uri1 = "data:application/octet-stream;base64," nocase
		$uri2 = "data:application/zip;base64," nocase
		$uri3 = "data:application/x-zip-compressed;base64," nocase
		$uri4 = "data:application/x-msdownload;base64," nocase
		$uri5 = "data:application/x-iso9660-image;base64," nocase
		$uri6 = "data:application/x-rar-compressed;base64," nocase
		$uri7 = "data:application/x-7z-compressed;base64," nocase
		$uri8 = "data:application/vnd.ms-" nocase
		$uri9 = "data:application/hta;base64," nocase
		$uri10 = "data:application/x-msi;base64," nocase
		$attr1 = " download=" nocase
		$attr2 = " download>" nocase
		$attr3 = " download " nocase
		$attr4 = ".download=" nocase
		$attr5 = ".download =" nocase
	condition:
		filesize < 50MB and any of ($uri*) and any of ($attr*)
}

rule HTML_Script_Embedded_Base64_Binary
{
	meta:
		description = "HTML or script holding the base64 of a Windows program, zip, OLE2, 7z, RAR or ISO file"
		severity = "medium"
		author = "mamori"
		reference = "https://attack.mitre.org/techniques/T1027/006/ T1027"
		date = "2026-11-26"
	strings:
		$h1 = "<script" nocase
		$h2 = "<html" nocase
		$h3 = "atob(" nocase
		// base64 of file headers, at the three alignments where usual
		$b1 = "TVqQAAMAAAAEAAAA"	// MZ header
		$b2 = "TVpQAAIAAAAEAA8A"	// MZ (Borland stub)
		$b3 = "UEsDBBQA"		// PK\x03\x04\x14\x00
		$b4 = "UEsDBAoA"		// PK\x03\x04\x0a\x00
		$b5 = "0M8R4KGxGuE"		// OLE2
		$b6 = "N3q8ryccAA"		// 7z
		$b7 = "UmFyIRoHA"		// Rar!\x1a\x07
		$b8 = "Q0QwMDE"		// CD001 (ISO 9660 volume descriptor)
		$b9 = "TAAAAAEUAgAAAAAAwAAAAAAAAEY"	// shell link header
	condition:
		filesize < 50MB and any of ($h*) and any of ($b*)
}
