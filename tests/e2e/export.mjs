// Generates SmartBill-like client exports (.xlsx) with SheetJS: a title row, the header on row 3,
// 14 columns, numeric CIFs in some rows. Used by the import e2e test and the benchmark.
import XLSX from 'xlsx';

/** A valid CIF from its first digits (control key 753217532). */
export function cif(body) {
  const digits = String(body).split('').map(Number);
  const key = [7, 5, 3, 2, 1, 7, 5, 3, 2].slice(9 - digits.length);
  const sum = digits.reduce((s, d, i) => s + d * key[i], 0);
  const c = (sum * 10) % 11;
  return `${body}${c === 10 ? 0 : c}`;
}

export const HEADERS = ['Denumire', 'CIF', 'Nr. Reg.\nCom.', 'Adresa', 'Localitate', 'Județ', 'Țara', 'Cod poștal',
  'E-mail', 'Telefon', 'Persoana de contact', 'IBAN', 'Banca', 'Cod client'];

const COUNTIES = [['Cluj', 'Cluj-Napoca', '400001'], ['Timiș', 'Timișoara', '300001'], ['Iași', 'Iași', '700001'],
  ['Brașov', 'Brașov', '500001'], ['Constanța', 'Constanța', '900001'], ['Sector 1', 'București', '010011']];

/** Row `i` (0-based) of the export; `edits` maps i → fields to change. */
export function company(i, edits = {}, start = 0) {
  const [county, city, postal] = COUNTIES[i % COUNTIES.length];
  const n = i + 1 + start;
  const row = {
    name: `Client ${String(n).padStart(6, '0')} SRL`,
    cif: cif(1000000 + start + i),
    payer: i % 3 === 0,
    regCom: `J${String(10 + (i % 30)).padStart(2, '0')}/${n}/2019`,
    address: `Str. Exemplu nr. ${n}`,
    city,
    county,
    country: 'România',
    postal,
    email: `office${n}@client${n}.ro`,
    phone: `07${String(20000000 + n).padStart(8, '0')}`,
    contact: i % 2 === 0 ? `Ion Popescu${n}` : '',
    iban: '',
    bank: i % 4 === 0 ? 'Banca Transilvania' : '',
    code: `C${String(n).padStart(5, '0')}`,
    ...(edits[i] || {}),
  };
  return row;
}

/** The sheet as an array of arrays (what the export holds). */
export function rowsAoa(count, edits = {}, start = 0) {
  const aoa = [['Lista clienți — Firma Demo SRL'], [], HEADERS];
  for (let i = 0; i < count; i++) {
    const c = company(i, edits, start);
    // Every fifth CIF is typed as a number (Excel keeps it as a double).
    const cifCell = c.payer ? `RO${c.cif}` : (i % 5 === 1 ? Number(c.cif) : c.cif);
    aoa.push([c.name, cifCell, c.regCom, c.address, c.city, c.county, c.country, Number(c.postal),
      c.email, c.phone, c.contact, c.iban, c.bank, c.code]);
  }
  return aoa;
}

/** An .xlsx file (bytes) with `count` companies. */
export function exportXlsx(count, edits = {}, start = 0) {
  const wb = XLSX.utils.book_new();
  const ws = XLSX.utils.aoa_to_sheet(rowsAoa(count, edits, start));
  ws['!merges'] = [{ s: { r: 0, c: 0 }, e: { r: 0, c: 6 } }];
  XLSX.utils.book_append_sheet(wb, ws, 'Clienti');
  return XLSX.write(wb, { type: 'buffer', bookType: 'xlsx', bookSST: true, compression: true });
}
