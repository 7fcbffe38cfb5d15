#!/usr/bin/env python3
"""Check schema/resources/*.toml: syntax, the keys of src/schema/model.rs, and every reference.

    python3 tools/check_schema.py [schema/resources]

Checks, for every resource file:
  * it parses (tomllib) and uses exactly the keys ResourceFile / FieldDef / StoredIn / RelationDef /
    AliasDef accept (they are `deny_unknown_fields`); required keys are present; `name` = file name;
  * field types are string/integer/float/boolean/timestamp/enum; enums have values, others none;
  * names are unique within a resource (fields, relations, aliases, including inherited ones);
  * the primary key is a field; `parent` exists, has no cycle, and a `type_value` has a `type_field`
    on some ancestor; no two children of one family share a type value;
  * relation targets exist, `local_key` is a field here, `remote_key` a field of the target,
    `kind` is one/many;
  * stored_in resource exists, and its key and field are fields of it;
  * every alias path walks relations (or aliases) hop by hop;
  * API names and REST paths are unique, REST paths have no leading slash.
A table shared by two resources (SshKeyPair and SshPrivateKeyPair both map SshKeyPairVO) is noted, not an error.
Exit status 1 and one line per problem on failure. Python 3.11 standard library only.
"""
import os
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(HERE), 'schema', 'resources')

TOP = {'name': True, 'inventory': True, 'api': False, 'rest_path': False, 'table': True, 'primary_key': True,
       'tags': False, 'type_field': False, 'parent': False, 'type_value': False, 'doc': False, 'source': False,
       'fields': False, 'relations': False, 'aliases': False}
FIELD = {'name': True, 'type': True, 'column': False, 'values': False, 'index': False, 'stored_in': False}
STORED = {'resource': True, 'key': True, 'field': True, 'list': False}
REL = {'name': True, 'target': True, 'local_key': True, 'remote_key': True, 'kind': True, 'hidden': False}
ALIAS = {'name': True, 'path': True}
TYPES = {'string', 'integer', 'float', 'boolean', 'timestamp', 'enum'}
STR_KEYS = {'name', 'inventory', 'api', 'rest_path', 'table', 'primary_key', 'type_field', 'parent', 'type_value',
            'doc', 'source', 'type', 'column', 'resource', 'key', 'field', 'target', 'local_key', 'remote_key',
            'kind', 'path'}
BOOL_KEYS = {'tags', 'index', 'list', 'hidden'}

errors = []


def err(msg):
    errors.append(msg)


def check_keys(where, d, spec):
    if not isinstance(d, dict):
        err('%s: expected a table' % where)
        return False
    ok = True
    for k in d:
        if k not in spec:
            err('%s: unknown key `%s`' % (where, k))
            ok = False
    for k, req in spec.items():
        if req and k not in d:
            err('%s: missing key `%s`' % (where, k))
            ok = False
    for k, v in d.items():
        if k in STR_KEYS and not isinstance(v, str):
            err('%s: `%s` must be a string' % (where, k))
        if k in BOOL_KEYS and not isinstance(v, bool):
            err('%s: `%s` must be a boolean' % (where, k))
    return ok


def main():
    res = {}
    for fn in sorted(os.listdir(DIR)):
        if not fn.endswith('.toml'):
            continue
        p = os.path.join(DIR, fn)
        try:
            with open(p, 'rb') as f:
                d = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            err('%s: TOML error: %s' % (fn, e))
            continue
        if not check_keys(fn, d, TOP):
            continue
        if d['name'] != fn[:-5]:
            err('%s: name `%s` differs from the file name' % (fn, d['name']))
        if not d['inventory'].endswith('Inventory'):
            err('%s: inventory `%s` does not end with Inventory' % (fn, d['inventory']))
        for i, f in enumerate(d.get('fields', [])):
            w = '%s: fields[%d]' % (fn, i)
            if not check_keys(w, f, FIELD):
                continue
            if f['type'] not in TYPES:
                err('%s %s: bad type `%s`' % (w, f['name'], f['type']))
            if f['type'] == 'enum' and not f.get('values'):
                err('%s %s: enum without values' % (w, f['name']))
            if f['type'] != 'enum' and f.get('values'):
                err('%s %s: values on a non-enum' % (w, f['name']))
            if 'values' in f and (not isinstance(f['values'], list) or not all(isinstance(x, str) for x in f['values'])
                                  or len(set(f['values'])) != len(f['values'])):
                err('%s %s: values must be distinct strings' % (w, f['name']))
            if 'stored_in' in f:
                check_keys(w + '.stored_in', f['stored_in'], STORED)
                if 'column' in f:
                    err('%s %s: both column and stored_in' % (w, f['name']))
        for i, r in enumerate(d.get('relations', [])):
            w = '%s: relations[%d]' % (fn, i)
            if check_keys(w, r, REL) and r['kind'] not in ('one', 'many'):
                err('%s %s: kind must be one or many' % (w, r['name']))
        for i, a in enumerate(d.get('aliases', [])):
            check_keys('%s: aliases[%d]' % (fn, i), a, ALIAS)
        if d.get('rest_path', '').startswith('/'):
            err('%s: rest_path has a leading slash' % fn)
        res[d['name']] = d

    # ---- inheritance ----
    def ancestors(n):
        out, seen = [], {n}
        while res[n].get('parent'):
            p = res[n]['parent']
            if p not in res:
                err('%s: parent `%s` does not exist' % (n, p))
                break
            if p in seen:
                err('%s: parent cycle' % n)
                break
            seen.add(p)
            out.append(p)
            n = p
        return out

    def all_fields(n):
        out = {}
        for a in [n] + ancestors(n):
            for f in res[a].get('fields', []):
                out.setdefault(f['name'], f)
        return out

    def all_rels(n):
        out = {}
        for a in [n] + ancestors(n):
            for r in res[a].get('relations', []):
                out.setdefault(r['name'], r)
        return out

    def all_aliases(n):
        out = {}
        for a in [n] + ancestors(n):
            for x in res[a].get('aliases', []):
                out.setdefault(x['name'], x)
        return out

    type_values = {}
    for n, d in sorted(res.items()):
        anc = ancestors(n)
        if d.get('parent') and d['parent'] in res:
            if d.get('type_value') is not None:
                tf = next((res[a]['type_field'] for a in anc if res[a].get('type_field')), None)
                if tf is None:
                    err('%s: type_value `%s` but no ancestor has a type_field' % (n, d['type_value']))
                else:
                    top = next(a for a in anc if res[a].get('type_field'))
                    k = (top, d['type_value'])
                    if k in type_values:
                        err('%s: type value %s of %s already selects %s' % (n, d['type_value'], top, type_values[k]))
                    type_values[k] = n
            if d['primary_key'] != res[d['parent']]['primary_key']:
                err('%s: primary key differs from the parent' % n)
        elif d.get('type_value') is not None:
            err('%s: type_value without parent' % n)
        if d.get('type_field') and d['type_field'] not in all_fields(n):
            err('%s: type_field `%s` is not a field' % (n, d['type_field']))
        # names unique
        seen = {}
        for a in [n] + anc:
            for kind, items in (('field', res[a].get('fields', [])), ('relation', res[a].get('relations', [])),
                                ('alias', res[a].get('aliases', []))):
                for it in items:
                    if it['name'] in seen and (a == n or seen[it['name']][1] == n):
                        err('%s: %s `%s` clashes with %s `%s` (declared on %s)'
                            % (n, kind, it['name'], seen[it['name']][0], it['name'], seen[it['name']][1]))
                    seen.setdefault(it['name'], (kind, a))
        flds = all_fields(n)
        if d['primary_key'] not in flds:
            err('%s: primary key `%s` is not a field' % (n, d['primary_key']))
        for f in d.get('fields', []):
            si = f.get('stored_in')
            if not si:
                continue
            if si['resource'] not in res:
                err('%s.%s: stored_in resource `%s` does not exist' % (n, f['name'], si['resource']))
                continue
            mf = all_fields(si['resource'])
            for k in ('key', 'field'):
                if si[k] not in mf:
                    err('%s.%s: stored_in %s `%s` is not a field of %s' % (n, f['name'], k, si[k], si['resource']))
        for r in d.get('relations', []):
            if r['target'] not in res:
                err('%s.%s: target `%s` does not exist' % (n, r['name'], r['target']))
                continue
            if r['local_key'] not in flds:
                err('%s.%s: local_key `%s` is not a field of %s' % (n, r['name'], r['local_key'], n))
            if r['remote_key'] not in all_fields(r['target']):
                err('%s.%s: remote_key `%s` is not a field of %s' % (n, r['name'], r['remote_key'], r['target']))
        for a in d.get('aliases', []):
            cur, hops, budget = n, a['path'].split('.'), 32
            while hops and budget:
                budget -= 1
                h = hops.pop(0)
                rels, als = all_rels(cur), all_aliases(cur)
                if h in rels:
                    cur = rels[h]['target']
                    if cur not in res:
                        break
                elif h in als:
                    hops = als[h]['path'].split('.') + hops
                else:
                    err('%s alias %s: `%s` is not a relation of %s' % (n, a['name'], h, cur))
                    break
            if not budget:
                err('%s alias %s: does not terminate' % (n, a['name']))

    apis, paths = {}, {}
    for n, d in sorted(res.items()):
        if d.get('api'):
            if d['api'] in apis:
                err('%s: api %s also on %s' % (n, d['api'], apis[d['api']]))
            apis[d['api']] = n
        if d.get('rest_path'):
            if d['rest_path'] in paths:
                err('%s: rest_path %s also on %s' % (n, d['rest_path'], paths[d['rest_path']]))
            paths[d['rest_path']] = n

    tables = {}
    for n, d in sorted(res.items()):
        tables.setdefault(d['table'], []).append(n)
    for t, ns in sorted(tables.items()):
        if len(ns) > 1:
            # legitimate in ZStack (two inventories over one VO); a DDL builder must create the table once
            print('note: table %s is shared by %s' % (t, ', '.join(ns)))
    for e in errors:
        print('error:', e)
    print('%d resources, %d fields, %d relations, %d aliases, %d APIs: %s'
          % (len(res), sum(len(d.get('fields', [])) for d in res.values()),
             sum(len(d.get('relations', [])) for d in res.values()),
             sum(len(d.get('aliases', [])) for d in res.values()), len(apis),
             'OK' if not errors else '%d errors' % len(errors)))
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
