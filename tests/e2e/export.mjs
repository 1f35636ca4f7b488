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

/**
 * What Excel writes for a password-protected workbook, in its smallest form: an OLE compound file
 * (MS-CFB version 3, 512-byte sectors; sector 0 the FAT, sector 1 the directory) whose directory
 * names the `EncryptionInfo` and `EncryptedPackage` streams (MS-OFFCRYPTO). No real encryption
 * inside: the reader must recognise the container, not decrypt it.
 */
export function encryptedXlsx() {
  const FREE = 0xffffffff;
  const END = 0xfffffffe;
  const buf = Buffer.alloc(512 * 3);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(buf, 0);
  buf.writeUInt16LE(0x3e, 0x18);
  buf.writeUInt16LE(3, 0x1a);
  buf.writeUInt16LE(0xfffe, 0x1c);
  buf.writeUInt16LE(9, 0x1e);
  buf.writeUInt16LE(6, 0x20);
  buf.writeUInt32LE(1, 0x2c);
  buf.writeUInt32LE(1, 0x30);
  buf.writeUInt32LE(4096, 0x38);
  buf.writeUInt32LE(END, 0x3c);
  buf.writeUInt32LE(END, 0x44);
  buf.writeUInt32LE(0, 0x4c);
  for (let i = 1; i < 109; i++) buf.writeUInt32LE(FREE, 0x4c + 4 * i);
  const fat = 512;
  for (let i = 0; i < 128; i++) buf.writeUInt32LE(FREE, fat + 4 * i);
  buf.writeUInt32LE(0xfffffffd, fat);
  buf.writeUInt32LE(END, fat + 4);
  ['Root Entry', 'EncryptionInfo', 'EncryptedPackage'].forEach((name, i) => {
    const e = 1024 + 128 * i;
    buf.write(name, e, 'utf16le');
    buf.writeUInt16LE((name.length + 1) * 2, e + 64);
    buf[e + 66] = i === 0 ? 5 : 2;
    buf[e + 67] = 1;
    buf.writeUInt32LE(FREE, e + 68);
    buf.writeUInt32LE(FREE, e + 72);
    buf.writeUInt32LE(FREE, e + 76);
    buf.writeUInt32LE(END, e + 116);
  });
  return buf;
}
