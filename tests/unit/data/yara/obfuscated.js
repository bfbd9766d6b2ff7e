// mamori test fixture: concatenation obfuscation
var s = "W"+"S"+"c"+"r"+"i"+"p"+"t"+"."+"S"+"h"+"e"+"l"+"l"+"."+"R"+"u"+"n"+"."+"p"+"o"+"w"+"e"+"r"+"s"+"h"+"e"+"l"+"l"+"-"+"m"+"a"+"m"+"o"+"r"+"i"+"-"+"t"+"e"+"s"+"t"+"-"+"f"+"i"+"x"+"t"+"u"+"r"+"e";
var o = new ActiveXObject("Scripting.FileSystemObject");
