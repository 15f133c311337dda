#!/usr/bin/env bash
# Refreshes the Simplified Chinese catalogue from the source and lists what still needs a translator.
# Run it after adding or changing translatable strings ({% translate %}, gettext_lazy, ...):
#   1. makemessages (same flags as always) merges new msgids into locale/zh_Hans/LC_MESSAGES/django.po;
#   2. every untranslated or fuzzy entry is printed with where it is used;
#   3. exits 1 while any remain, 0 when the catalogue is complete (then it also compiles the .mo).
# Translate in the .po (terms: /work/shared/DOMAIN.md glossary), remove the "#, fuzzy" line, run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PO=locale/zh_Hans/LC_MESSAGES/django.po

.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=bench --no-obsolete -v 0

.venv/bin/python - "$PO" <<'PY'
import sys

import polib

po = polib.pofile(sys.argv[1])
problems = [("untranslated", e) for e in po.untranslated_entries()]
problems += [("fuzzy", e) for e in po.fuzzy_entries()]
if po.metadata_is_fuzzy:
    print("header: marked fuzzy (remove '#, fuzzy' above the first msgid)")
for kind, e in problems:
    where = ", ".join(f"{f}:{n}" for f, n in e.occurrences[:3]) or "?"
    ctx = f" [context {e.msgctxt!r}]" if e.msgctxt else ""
    plural = f" / plural {e.msgid_plural!r}" if e.msgid_plural else ""
    print(f"{kind:>12}: {e.msgid!r}{plural}{ctx}  ({where})")
total = len([e for e in po if not e.obsolete])
print(f"{sys.argv[1]}: {total} entries, {len(po.untranslated_entries())} untranslated, "
      f"{len(po.fuzzy_entries())} fuzzy")
sys.exit(1 if problems or po.metadata_is_fuzzy else 0)
PY

msgfmt --check-format --check-header -o /dev/null "$PO"
.venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv -v 0
echo "Catalogue complete and compiled."
