#!/usr/bin/env python3
"""Extract VO column facts and Java enum values from a ZStack source checkout.

Usage: python3 tools/extract_java_facts.py /path/to/zstack-checkout > tools/facts/zstack-vo-facts.json

Reads tools/facts/zstack-resources.json for the VO classes to look at, walks each VO's superclass
chain (VO -> AO -> ... up to ResourceVO), and records for every persistent field its Java type,
whether it carries ZStack's @Index, @Enumerated, and a @Column(name=...) override. For every Java
type that is an enum it records the constants. The generator (gen_schema.py) reads only the
resulting JSON, so generation needs no checkout; this script documents where the facts came from.
Python 3.11 standard library only.
"""
import json
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else '.'
HERE = os.path.dirname(os.path.abspath(__file__))

CLASS_FILES = {}   # simple name -> [paths]
for dp, dn, fn in os.walk(ROOT):
    dn[:] = [d for d in dn if d not in ('.git', 'test', 'testlib')]
    for f in fn:
        if f.endswith('.java'):
            CLASS_FILES.setdefault(f[:-5], []).append(os.path.join(dp, f))


def strip_comments(s):
    s = re.sub(r'/\*.*?\*/', ' ', s, flags=re.S)
    s = re.sub(r'//[^\n]*', ' ', s)
    return s


def read(p):
    with open(p, encoding='utf-8', errors='replace') as f:
        return strip_comments(f.read())


def find_class(name, near=None):
    paths = CLASS_FILES.get(name, [])
    paths = [p for p in paths if re.search(r'\b(class|enum|interface)\s+%s\b' % re.escape(name), read(p))]
    if not paths:
        # nested type (ImageConstant.ImageMediaType): look for its declaration in any file
        pat = re.compile(r'\b(enum|class|interface)\s+%s\b' % re.escape(name))
        paths = sorted(p for ps in CLASS_FILES.values() for p in ps if pat.search(read(p)))
    if not paths:
        return None
    if near:
        d = os.path.dirname(near)
        same = [p for p in paths if os.path.dirname(p) == d]
        if same:
            return same[0]
        src = read(near)
        for p in paths:
            pkg = re.search(r'package\s+([\w.]+)\s*;', read(p))
            if pkg and re.search(r'import\s+%s\.%s\s*;' % (re.escape(pkg.group(1)), name), src):
                return p
    return sorted(paths)[0]


def enum_values(name, near):
    p = find_class(name, near)
    if not p:
        return None
    s = read(p)
    m = re.search(r'\benum\s+%s\b[^{]*\{' % re.escape(name), s)
    if not m:
        return None
    body = s[m.end():]
    depth, cur, items = 0, '', []
    for ch in body:
        if ch in '({':
            depth += 1
        elif ch in ')}':
            if depth == 0:
                break
            depth -= 1
        if depth == 0 and ch in ',;':
            items.append(cur)
            cur = ''
            if ch == ';':
                break
            continue
        if depth == 0:
            cur += ch
    else:
        items.append(cur)
    if cur.strip():
        items.append(cur)
    vals = []
    for it in items:
        it = re.sub(r'@\w+(\([^)]*\))?', ' ', it).strip()
        mm = re.match(r'([A-Za-z_]\w*)', it)
        if mm:
            vals.append(mm.group(1))
    return vals


FIELD_RE = re.compile(r'((?:@[\w.]+(?:\s*\((?:[^()]|\([^()]*\))*\))?\s*)*)'
                      r'(?:private|protected|public)\s+(?!static)(?:final\s+)?([\w.<>, ?\[\]]+?)\s+(\w+)\s*(?:=[^;]*)?;')


def vo_chain_fields(vo):
    out = []
    name = vo
    seen = set()
    while name and name not in ('ResourceVO', 'Object') and name not in seen:
        seen.add(name)
        p = find_class(name)
        if not p:
            break
        s = read(p)
        m = re.search(r'\bclass\s+%s\b(?:\s*<[^>]*>)?\s*(?:extends\s+([\w.]+))?' % re.escape(name), s)
        for fm in FIELD_RE.finditer(s):
            ann, jt, fname = fm.group(1), fm.group(2).strip(), fm.group(3)
            if '@Transient' in ann:
                continue
            if not ann and not re.search(r'@(Entity|MappedSuperclass)', s):
                continue
            relation = bool(re.search(r'@(OneToMany|OneToOne|ManyToOne|ManyToMany|JoinColumn|ElementCollection)', ann))
            colname = None
            cm = re.search(r'@Column\s*\(([^)]*)\)', ann)
            if cm:
                nm = re.search(r'name\s*=\s*"([^"]+)"', cm.group(1))
                if nm:
                    colname = nm.group(1)
            out.append({'name': fname, 'java_type': jt, 'declared_in': name, 'file': os.path.relpath(p, ROOT),
                        'index': '@Index' in ann, 'id': bool(re.search(r'@Id\b', ann)), 'enumerated': '@Enumerated' in ann,
                        'column': colname, 'relation': relation, '_near': p})
        name = m.group(1).split('.')[-1] if m and m.group(1) else None
    return out


def main():
    facts = json.load(open(os.path.join(HERE, 'facts', 'zstack-resources.json')))
    vos, enums = {}, {}
    for r in facts:
        cols = vo_chain_fields(r['vo'])
        for c in cols:
            jt = c['java_type']
            base = jt.split('.')[-1]
            if c['enumerated'] or (base[:1].isupper() and base not in (
                    'String', 'Integer', 'Long', 'Short', 'Float', 'Double', 'Boolean', 'Timestamp', 'Date')
                    and '<' not in base):
                if base not in enums:
                    ev = enum_values(base, c['_near'])
                    if ev is not None:
                        enums[base] = {'values': ev, 'file': os.path.relpath(find_class(base, c['_near']), ROOT)}
            del c['_near']
        vos[r['vo']] = cols
        # enum-typed inventory fields
        inv_path = find_class(r['inventory'])
        for f in r['fields']:
            base = f['java_type'].split('.')[-1]
            if base[:1].isupper() and '<' not in base and base not in enums and base not in (
                    'String', 'Integer', 'Long', 'Short', 'Float', 'Double', 'Boolean', 'Timestamp', 'Date'):
                ev = enum_values(base, inv_path)
                if ev is not None:
                    enums[base] = {'values': ev, 'file': os.path.relpath(find_class(base, inv_path), ROOT)}
    queryables = {}
    qre = re.compile(r'@Queryable\s*\(\s*mappingClass\s*=\s*(\w+)\.class\s*,\s*joinColumn\s*=\s*@JoinColumn\s*\(([^)]*)\)\s*\)'
                     r'\s*(?:@\w+(?:\([^)]*\))?\s*)*(?:private|protected|public)\s+[\w<>, ?]+?\s+(\w+)\s*;')
    for r in facts:
        p = find_class(r['inventory'])
        if not p:
            continue
        for m in qre.finditer(read(p)):
            args = m.group(2)
            nm = re.search(r'name\s*=\s*"([^"]*)"', args)
            rc = re.search(r'referencedColumnName\s*=\s*"([^"]*)"', args)
            queryables.setdefault(r['inventory'], {})[m.group(3)] = {
                'mapping': m.group(1), 'join_column': nm.group(1) if nm else None,
                'referenced_column': rc.group(1) if rc else None}
    # @APINoSee inventory fields (not queryable in ZStack) and field <- vo.getX() renames
    api_no_see, renames = {}, {}
    for r in facts:
        classes = sorted({f['declared_in'] for f in r['fields']})
        for cls in classes:
            p = find_class(cls)
            if not p:
                continue
            src = read(p)
            for m in re.finditer(r'@APINoSee\s*(?:@\w+(?:\([^)]*\))?\s*)*(?:private|protected|public)\s+[\w<>, ?.]+?\s+(\w+)\s*[;=]', src):
                api_no_see.setdefault(r['inventory'], []).append(m.group(1))
            for m in re.finditer(r'set(\w+)\(\s*vo\.get(\w+)\(\)\s*\)', src):
                a, b = m.group(1), m.group(2)
                a, b = a[0].lower() + a[1:], b[0].lower() + b[1:]
                if a != b:
                    renames.setdefault(r['inventory'], {})[a] = b
    json.dump({'vo_fields': vos, 'enums': dict(sorted(enums.items())), 'queryables': queryables,
               'api_no_see': {k: sorted(set(v)) for k, v in api_no_see.items()}, 'getter_renames': renames}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


main()
