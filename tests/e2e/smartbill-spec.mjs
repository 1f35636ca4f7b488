// Checks request bodies against SmartBill's official Swagger (shared/reference/smartbill-swagger-v1.json):
// every property must be one the spec documents at that place (top level, client, products[],
// estimate, payment, email), with the documented JSON type.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const SPEC_PATH = join(ROOT, '..', 'shared', 'reference', 'smartbill-swagger-v1.json');

function load() {
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
}

/** Walks a schema and records, per path ("", "client", "products[]"), property → types. */
function collect(spec, schema, path, out, seen = new Set()) {
  if (!schema) return;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const key = `${name}@${path}`;
    if (seen.has(key)) return;
    seen.add(key);
    collect(spec, spec.definitions[name], path, out, seen);
    return;
  }
  if (schema.type === 'array' || schema.items) {
    const items = Array.isArray(schema.items) ? schema.items : [schema.items];
    for (const item of items) collect(spec, item, `${path}[]`, out, seen);
    return;
  }
  for (const [prop, sub] of Object.entries(schema.properties || {})) {
    const at = out[path] || (out[path] = {});
    const types = at[prop] || (at[prop] = new Set());
    const resolved = sub.$ref ? spec.definitions[sub.$ref.replace('#/definitions/', '')] : sub;
    if (resolved && resolved.type) types.add(resolved.format === 'date' ? 'date' : resolved.type);
    if (resolved && (resolved.properties || resolved.type === 'object')) types.add('object');
    if (resolved && (resolved.type === 'array' || resolved.items)) types.add('array');
    const child = path ? `${path}.${prop}` : prop;
    collect(spec, sub, child, out, seen);
  }
}

/** The documented shape of each POST body, by endpoint. */
export function bodySchemas() {
  const spec = load();
  const shapes = {};
  const add = (endpoint, schema, wrapper) => {
    const out = (shapes[endpoint] = shapes[endpoint] || {});
    const resolved = schema.$ref ? spec.definitions[schema.$ref.replace('#/definitions/', '')] : schema;
    // JSON bodies are flat; the old spec's wrapper (`invoice`, `estimate`) is an XML root name.
    const inner = wrapper && resolved.properties && resolved.properties[wrapper] ? resolved.properties[wrapper] : resolved;
    collect(spec, inner, '', out);
  };
  for (const [path, endpoint] of [['/invoice', '/invoice/v2'], ['/estimate', '/estimate/v2']]) {
    const op = spec.paths[path].post;
    const wrapper = path === '/invoice' ? 'invoice' : 'estimate';
    for (const p of op['x-parameters'] || []) if (p.in === 'body' && p.schema) add(endpoint, p.schema, wrapper);
    for (const p of op.parameters || []) if (p.in === 'body' && p.schema) add(endpoint, p.schema, wrapper);
  }
  const reverse = spec.paths['/invoice/reverse'].post;
  for (const p of reverse.parameters || []) if (p.in === 'body' && p.schema) add('/invoice/reverse', p.schema, null);
  return shapes;
}

function typeOf(value) {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function accepts(types, value) {
  if (types.size === 0) return true; // the spec gives no type
  const t = typeOf(value);
  if (types.has(t)) return true;
  if (t === 'integer' && types.has('number')) return true;
  if (t === 'string' && types.has('date')) return /^\d{4}-\d{2}-\d{2}$/.test(value);
  return false;
}

/** Problems of one body sent to `endpoint` (e.g. "/invoice/v2"); empty when it conforms. */
export function checkBody(shapes, endpoint, body) {
  const shape = shapes[endpoint];
  if (!shape) return [`no documented body for ${endpoint}`];
  const problems = [];
  const walk = (value, path, display) => {
    const known = shape[path];
    if (!known) {
      problems.push(`${endpoint}: ${display} is not a documented object`);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const types = known[k];
      const where = display ? `${display}.${k}` : k;
      if (!types) {
        problems.push(`${endpoint}: unknown property ${where}`);
        continue;
      }
      if (!accepts(types, v)) problems.push(`${endpoint}: ${where} is ${typeOf(v)}, the spec says ${[...types].join('|')}`);
      const child = path ? `${path}.${k}` : k;
      if (Array.isArray(v)) v.forEach((item, i) => item && typeof item === 'object' && walk(item, `${child}[]`, `${where}[${i}]`));
      else if (v && typeof v === 'object') walk(v, child, where);
    }
  };
  walk(body, '', '');
  return problems;
}
