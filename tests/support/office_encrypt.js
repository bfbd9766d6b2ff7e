#!/usr/bin/env node
// office_encrypt.js - encrypt OOXML files (.docx .docm .xlsx .xlsm .pptx)
// with officecrypto-tool, an encryptor independent of mamori, for
// tests/functional/offcrypto.py.
//
//   node office_encrypt.js MODULE_DIR IN OUT PASSWORD [agile|standard]
//
// MODULE_DIR is the node_modules folder holding officecrypto-tool (the
// test installs it with npm into the build directory; it is never
// committed).  Agile (AES-256, SHA-512, spinCount 100000) by default;
// "standard" is ECMA-376 Standard encryption (AES-128, SHA-1).
'use strict';
const fs = require('fs');
const path = require('path');

const [moduleDir, input, output, password, mode] = process.argv.slice(2);
if (!moduleDir || !input || !output || !password) {
	console.error('usage: office_encrypt.js MODULE_DIR IN OUT PASSWORD [agile|standard]');
	process.exit(2);
}
const officeCrypto = require(path.join(path.resolve(moduleDir), 'officecrypto-tool'));
const options = { password };
if (mode === 'standard')
	options.type = 'standard';
else if (mode !== undefined && mode !== 'agile') {
	console.error(`office_encrypt.js: unknown mode ${mode}`);
	process.exit(2);
}
fs.writeFileSync(output, officeCrypto.encrypt(fs.readFileSync(input), options));
