"""Parse the seed documents (PDF text of ZStack's API manuals) for the Query APIs.

For every `QueryXxx` section: its `GET zstack/v1/...` REST path and its inventory table
("名字 类型 描述 起始版本"), as rows {name, type, desc, version, line}. The PDF text is messy:
  * table rows are broken over several lines (name / type / description lines / version), with page
    headers and fragments of the JSON example interleaved;
  * descriptions wrap, and a bullet list of values may continue after a page break;
  * 002 and 004 are tab separated (mostly), 001 is space separated.
Every line of an inventory table that is not consumed by a row is reported as unparsed.
Python 3.11 standard library only; imported by gen_schema.py.
"""
import re

HEADING = re.compile(r'^\s*(?:#+\s*)?(\d+(?:\.\d+)+)\s+(.*?)\(\s*([A-Za-z][A-Za-z0-9]*)\s*\)\s*$')
GET = re.compile(r'\bGET\s+zstack/v1/(\S+)')
CURL_GET = re.compile(r'-X\s+GET\s+https?://[^/\s]+/zstack/v1/(\S+)')
NUMBERED = re.compile(r'^\s*(?:#+\s*)?(\d+(?:\.\d+)+)\s+(\S.*?)\s*$')
WRAPPED_TAIL = re.compile(r'^\s*([^\s(（]{0,40})\(\s*([A-Z][A-Za-z0-9]*)\s*\)\s*$')
JSON_KV = re.compile(r'^\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*:\s*(.*?)\s*,?\s*$')
MARKER = re.compile(r'^\s*(?:#+\s*)?#\s?([A-Za-z][A-Za-z0-9_]*)\s*$')
TABLE_HEADER = re.compile(r'^(名字\s*类型\s*描述(\s*起始版本)?|Name\s+Type\s+Description(\s+Starting\s+Version)?)$')
VERSION = re.compile(r'^\d+\.\d+(?:\.\d+)*$')
NAME = re.compile(r'^[a-z_][A-Za-z0-9_]*$')
TYPE_TOKEN = r'(?:[A-Z][A-Za-z0-9_]*(?:<[A-Za-z0-9_, <>]*>)?|int|long|boolean|float|double|short)'
TYPE_ONLY = re.compile(r'^%s$' % TYPE_TOKEN)
ROW_TAB = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\t(%s)\t?(.*?)\t?(\d+\.\d+(?:\.\d+)*)?\s*$' % TYPE_TOKEN)
ROW_ONE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\s+(%s)(?:\s+(.*?))?(?:\s+(\d+\.\d+(?:\.\d+)*))?\s*$' % TYPE_TOKEN)
NOISE = re.compile(r'^[\]\[{}(),:;\s"\'`.]*$|^"[^"]*"\s*:|^```|^(}|]|\{)')
END_OF_TABLE = re.compile(r'^(SDK示例|Java SDK|Python SDK|API返回|API请求|返回示例|URLs|Headers|Curl示例|参数列表|可查询字段)')
BULLET = re.compile(r'^[•·●\-]\s*(\S.*?)\s*$')
HTML = re.compile(r'<[^>]+>')


def sections(lines):
    """[(api, title, start, end)] for every heading that names an API (table-of-contents lines excluded)."""
    heads = []
    prev = None  # (index, text) of the previous non-empty line
    for i, ln in enumerate(lines):
        if '....' in ln or '…' in ln:
            continue
        m = HEADING.match(ln)
        if m:
            heads.append((i, m.group(3), m.group(2).strip()))
        else:
            # a heading wrapped over two lines: "5.9.3 查询账户与价目表的关" / "系(QueryAccountPriceTableRef)"
            m2 = WRAPPED_TAIL.match(ln)
            if m2 and prev is not None and NUMBERED.match(prev[1]) and not HEADING.match(prev[1]):
                heads.append((prev[0], m2.group(2), (NUMBERED.match(prev[1]).group(2) + m2.group(1)).strip()))
        if ln.strip():
            prev = (i, ln)
    out = []
    for k, (i, api, title) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        out.append((api, title, i, end))
    return out


FRAG = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
TYPE_DESC = re.compile(r'^(%s)\s+(\S.*)$' % TYPE_TOKEN)
PAGE_NOISE = re.compile(r'^(开发手册\s*/|文档版本[:：]|Document version|Developer Guide\s*/)')
JSONISH = re.compile(r'^(\[|"|\\"|mailto:|-X\s|q=|curl\s|-H\s)|^[0-9a-f]{1,40}",?$|"\s*,?$')
HEX = re.compile(r'^[0-9a-f]{8,}$')
REF_TAIL = re.compile(r'(详情参\s*考|详情参考|see)\s*[A-Za-z]+$')
KNOWN_TYPES = {'String', 'Integer', 'Long', 'Boolean', 'Timestamp', 'List', 'Map', 'Float', 'Double', 'int', 'long',
               'boolean', 'float', 'double', 'short', 'Short', 'LinkedHashMap', 'HashMap', 'Set', 'Date', 'Object',
               'ErrorCode', 'Collection', 'byte', 'Byte'}


def strong_type(t):
    return t.split('<')[0] in KNOWN_TYPES or t.endswith(('Type', 'State', 'Status', 'Inventory'))


def parse_rows(lines, start, end):
    """Parse table rows from lines[start:end]. Returns (rows, unparsed[(lineno, text)], joined[(lineno, name)])."""
    rows, unparsed, joined = [], [], []
    items = []
    for i in range(start, end):
        raw = HTML.sub('', lines[i]).rstrip()
        s = raw.strip()
        if (not s or TABLE_HEADER.match(re.sub(r'\s+', ' ', s)) or NOISE.match(s) or PAGE_NOISE.match(s)
                or JSONISH.search(s)):
            continue
        items.append((i + 1, raw, s))
    cur = None

    def flush():
        nonlocal cur
        if cur is not None:
            cur['desc'] = ' '.join(x for x in cur['desc'] if x).strip()
            cur.pop('tail', None)
            rows.append(cur)
        cur = None

    def frag_ok(t, first):
        if HEX.match(t) or VERSION.match(t):
            return False
        return bool(NAME.match(t) if first else FRAG.match(t))

    k = 0
    while k < len(items):
        lineno, raw, s = items[k]
        # 1. a whole row on one line (tab separated in 002/004, space separated in 001)
        m = ROW_TAB.match(raw.strip()) if '\t' in raw else None
        if m is None:
            m = ROW_ONE.match(s)
        if m and not VERSION.match(s) and not HEX.match(m.group(1)):
            desc, ver = (m.group(3) or '').strip(), m.group(4)
            if ver is None:
                mv = re.match(r'^(.*?)\s*(\d+\.\d+(?:\.\d+)*)$', desc)
                if mv:
                    desc, ver = mv.group(1), mv.group(2)
            flush()
            cur = {'name': m.group(1), 'type': m.group(2), 'desc': [desc], 'version': ver, 'line': lineno,
                   'broken': False}
            k += 1
            continue
        # the tail of a wrapped "详情参考matchedPciDeviceOffe" / "ringRef" reference
        if cur is not None and cur['broken'] and cur['version'] is not None and FRAG.match(s) and cur['desc'] \
                and not cur.get('tail') and REF_TAIL.search(' '.join(cur['desc'])) \
                and not (k + 1 < len(items) and TYPE_ONLY.match(items[k + 1][2])):
            cur['desc'][-1] += s
            cur['tail'] = True
            k += 1
            continue
        # 2. a row broken over lines: 1-3 name fragments, then "Type" or "Type description". A well-known
        #    type wins over a capitalised fragment ("defaultRouteL3" / "NetworkUuid" / "String").
        found = False
        cands = []
        for nfrag in (1, 2, 3):
            if k + nfrag >= len(items):
                break
            frags = [items[k + j][2] for j in range(nfrag)]
            if not all(frag_ok(t, j == 0) for j, t in enumerate(frags)):
                break
            nxt = items[k + nfrag][2]
            mt = TYPE_ONLY.match(nxt) or TYPE_DESC.match(nxt)
            if mt:
                ty = mt.group(1) if mt.re is TYPE_DESC else nxt
                cands.append((strong_type(ty), nfrag, frags, mt, nxt))
        cands.sort(key=lambda c: (not c[0], c[1]))
        for strong, nfrag, frags, mt, nxt in cands[:1]:
            if True:
                flush()
                name = ''.join(frags)
                cur = {'name': name, 'type': mt.group(1) if mt.re is TYPE_DESC else nxt,
                       'desc': [mt.group(2)] if mt.re is TYPE_DESC else [], 'version': None, 'line': lineno,
                       'broken': True}
                if nfrag > 1:
                    joined.append((lineno, name))
                k += nfrag + 1
                # a type wrapped over two lines: "PrimaryStorage" / "HostStatus", "AutoScalingRul" / "eStatus"
                # (a lower-case fragment only when no type follows it, else it starts the next broken row)
                if mt.re is not TYPE_DESC and not strong_type(cur['type']) and k < len(items):
                    t2 = items[k][2]
                    nxt_is_type = k + 1 < len(items) and (TYPE_ONLY.match(items[k + 1][2]) or TYPE_DESC.match(items[k + 1][2]))
                    if ((TYPE_ONLY.match(t2) and strong_type(cur['type'] + t2))
                            or (FRAG.match(t2) and t2[:1].islower() and not nxt_is_type and not HEX.match(t2))):
                        cur['type'] += t2
                        joined.append((lineno, '%s: type %s' % (name, cur['type'])))
                        k += 1
                found = True
                break
        if found:
            continue
        # 3. the version closes a broken row
        if VERSION.match(s) and cur is not None and cur['version'] is None:
            cur['version'] = s
            k += 1
            continue
        # 4. continuations: description lines, a bullet list going on after a page break, the tail of a
        #    wrapped "详情参考xxx" reference
        if cur is not None and ((cur['broken'] and cur['version'] is None) or BULLET.match(s)):
            cur['desc'].append(s)
            k += 1
            continue
        if cur is not None and cur['version'] is not None and FRAG.match(s) and cur['desc'] \
                and re.search(r'[A-Za-z]$', cur['desc'][-1]):
            cur['desc'][-1] += s
            k += 1
            continue
        if cur is not None and not cur['broken'] and cur['version'] is None and not NAME.match(s):
            cur['desc'].append(s)
            k += 1
            continue
        unparsed.append((lineno, s))
        k += 1
    flush()
    return rows, unparsed, joined


def enum_candidates(desc):
    """Values listed as bullets in a description (`• Created • Starting ...`), when every bullet is one word."""
    parts = [p.strip() for p in re.split(r'[•·●]', desc)[1:]]
    vals = []
    for p in parts:
        p = p.strip(' ，,;；。')
        if not p:
            continue
        if not re.match(r'^[A-Za-z][A-Za-z0-9_\-]*$', p):
            return None
        vals.append(p)
    return vals if len(vals) >= 2 else None


def parse_file(path, tag, wanted):
    """{api: {...}} for the APIs in `wanted` found in the file."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    out = {}
    for api, title, s, e in sections(lines):
        if api not in wanted:
            continue
        info = out.get(api)
        if info is not None:
            info['problems'].append('%s:%d: a second section for %s (ignored)' % (tag, s + 1, api))
            continue
        info = {'api': api, 'title': title, 'doc': tag, 'line': s + 1, 'paths': [], 'tables': {},
                'problems': [], 'unparsed': []}
        out[api] = info
        for i in range(s, e):
            for m in GET.finditer(lines[i]):
                p = m.group(1).strip().rstrip('`').strip()
                p = p.split('?')[0]
                if '{' not in p and p not in info['paths']:
                    info['paths'].append(p)
        if not info['paths']:
            for i in range(s, e):
                m = CURL_GET.search(lines[i])
                if m:
                    p = m.group(1).split('?')[0].rstrip('/')
                    if p and '{' not in p and p not in info['paths']:
                        info['paths'].append(p)
                        info['problems'].append('%s:%d: no `GET zstack/v1/...` line; REST path %s taken from the curl '
                                                'example' % (tag, i + 1, p))
        # the JSON example of the reply: "inventories": [ { "k": v, ... } ]
        info['example'] = {}
        for i in range(s, e):
            if '"inventories"' in lines[i]:
                depth = 0
                for j in range(i + 1, min(e, i + 200)):
                    t = lines[j].strip()
                    if depth <= 1:
                        m = JSON_KV.match(t)
                        if m and m.group(1) not in info['example']:
                            info['example'][m.group(1)] = (m.group(2), j + 1)
                    depth += t.count('{') + t.count('[') - t.count('}') - t.count(']')
                    if depth < 0:
                        break
                break
        # tables: marker line to the next marker / end-of-table line
        marks = [i for i in range(s, e) if MARKER.match(lines[i])]
        for k, i in enumerate(marks):
            name = MARKER.match(lines[i]).group(1)
            stop = marks[k + 1] if k + 1 < len(marks) else e
            for j in range(i + 1, stop):
                if END_OF_TABLE.match(lines[j].strip().lstrip('#').strip()):
                    stop = j
                    break
            if name in info['tables']:
                continue
            rows, unparsed, joined = parse_rows(lines, i + 1, stop)
            info['tables'][name] = {'rows': rows, 'line': i + 1, 'unparsed': unparsed, 'joined': joined}
    return out
