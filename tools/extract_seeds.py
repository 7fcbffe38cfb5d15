#!/usr/bin/env python3
"""Extract the Query APIs' REST paths and inventory tables from the seed documents.

    python3 tools/extract_seeds.py [/work/shared/seeds] > tools/facts/seed-inventories.json

Reads 001_*.txt, 002_*.txt and 004_*.txt (PDF text of ZStack's API manuals: 001 is ZStack Cloud
4.1.3, 002 and 004 are ZStack 3.0.0) for every API in tools/facts/seed-query-apis.txt, using the parser
in tools/seeds.py. For each API, every document's section is kept separately (with line numbers),
so the generator can merge them and report conflicts. When a Query section has no inventory table
(the manual says "returns {}" for a few), the inventory table of the same resource's
Create/Update/Add API is recorded as a fallback. Deterministic output (sorted keys).
Python 3.11 standard library only.
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import seeds  # noqa: E402

SEEDS = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/seeds'
DOCS = ['001', '002', '004']


def table_of(info):
    for k in ('inventories', 'inventory'):
        t = info['tables'].get(k)
        if t and t['rows']:
            return k, t
    return None, None


def main():
    wanted = sorted({ln.strip() for ln in open(os.path.join(HERE, 'facts', 'seed-query-apis.txt'), encoding='utf-8')
                     if ln.strip()})
    out = {}
    files = {}
    for tag in DOCS:
        paths = sorted(glob.glob(os.path.join(SEEDS, '%s_*.txt' % tag)))
        if not paths:
            sys.exit('no %s_*.txt in %s' % (tag, SEEDS))
        files[tag] = paths[0]
    for tag in DOCS:
        found = seeds.parse_file(files[tag], tag, set(wanted))
        for api, info in found.items():
            key, t = table_of(info)
            out.setdefault(api, {'api': api, 'sections': []})['sections'].append({
                'doc': tag, 'file': os.path.basename(files[tag]), 'line': info['line'], 'title': info['title'],
                'paths': info['paths'], 'problems': info['problems'],
                'table': key, 'table_line': t['line'] if t else None,
                'rows': t['rows'] if t else [], 'unparsed': [list(x) for x in t['unparsed']] if t else [],
                'joined': [list(x) for x in t['joined']] if t else [],
                'nested_tables': sorted(k for k in info['tables'] if k not in ('inventories', 'inventory', 'error')),
                'example': {k: [v[0], v[1]] for k, v in sorted(info['example'].items())},
            })
    # fallbacks: the inventory table of Create/Update/Add<Name> when the Query section has none
    missing = {api[len('Query'):]: api for api in wanted
               if api in out and not any(s['rows'] for s in out[api]['sections'])}
    if missing:
        cands = {}
        for verb in ('Create', 'Update', 'Add'):
            for name in missing:
                cands['%s%s' % (verb, name)] = name
        for tag in DOCS:
            found = seeds.parse_file(files[tag], tag, set(cands))
            for api in sorted(found, key=lambda a: (['Create', 'Update', 'Add'].index(
                    next(v for v in ('Create', 'Update', 'Add') if a.startswith(v))), a)):
                info = found[api]
                key, t = table_of(info)
                q = missing[cands[api]]
                if t is None or out[q].get('fallback'):
                    continue
                out[q]['fallback'] = {'doc': tag, 'api': api, 'line': t['line'], 'rows': t['rows'],
                                      'unparsed': [list(x) for x in t['unparsed']],
                                      'joined': [list(x) for x in t['joined']]}
    for api in wanted:
        if api not in out:
            out[api] = {'api': api, 'sections': []}
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write('\n')


main()
