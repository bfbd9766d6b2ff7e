#!/usr/bin/env python3
"""Copy the document-format examples of examples/formats/ (issue 18).

Run from anywhere:  python3 examples/formats/make_formats.py [--check]

--check writes nothing and fails when an example differs from its case
(ctest examples.formats).

Each example is one of the functional test cases (tests/functional/cases/)
that the generators in tests/support/ write byte for byte: make_xlsb.py,
make_xlm.py, make_flatxml.py, make_odf.py, make_vbaproj_cases.py, and the
batch-file case.  They are copied here under names that say what they
show, so that scripts/demo.sh scans them and the tests keep them true.
The URLs and hosts are .example and .invalid; nothing here exists.
"""

import filecmp
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "..", "tests", "functional", "cases")

EXAMPLES = [
    ("01-xlsb-hidden-excel4-macro.eml", "xlsb_xlm_dropper"),
    ("02-sylk-excel4-dropper.eml", "xlm_sylk_dropper"),
    ("03-xlsm-formula-built-url.eml", "xlm_xlsm_dropper"),
    ("04-word2003-xml-activemime-macro.eml", "flatxml_word2003_activemime"),
    ("05-mht-saved-as-doc.eml", "flatxml_mht_activemime"),
    ("06-odt-macro-on-open.eml", "odf_basic_autoexec_dropper"),
    ("07-pptx-mouse-over-program.eml", "ppt_mouseover_run_program"),
    ("08-userform-hidden-url.eml", "vbaproj_userform_url"),
    ("09-stomped-vba.eml", "vbaproj_stomped"),
    ("10-batch-dosfuscation.eml", "sandbox_bat_dosfuscation"),
]


def main():
    check = sys.argv[1:] == ["--check"]
    stale = 0
    for name, case in EXAMPLES:
        src, dst = os.path.join(CASES, case + ".eml"), os.path.join(HERE, name)
        if not check:
            shutil.copyfile(src, dst)
        elif not os.path.exists(dst) or not filecmp.cmp(src, dst, shallow=False):
            print(f"examples/formats/{name} differs from tests/functional/cases/{case}.eml")
            stale += 1
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
