//! The import page's first step on generated files: reading, finding the header, mapping and
//! validating, and refusing bad files with a clear message.

use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::import::fastxlsx;
use minicrm_smartbill::import::headers::Target;
use minicrm_smartbill::import::rows::{Issue, Kind};
use minicrm_smartbill::import::xlsx::{read_workbook, read_workbook_with_calamine};
use minicrm_smartbill::import::{open, ImportError};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

/// What a SmartBill client export plausibly looks like (peers.md §b: title rows, line breaks in
/// headers, diacritics), written with rust_xlsxwriter.
fn smartbill_export(sheet: &mut Worksheet) {
    let bold = Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 8, "Lista clienți – Firma Demo SRL", &bold)
        .unwrap();
    sheet.write_string(1, 0, "Generat la").unwrap();
    sheet
        .write_datetime(1, 1, ExcelDateTime::from_ymd(2026, 11, 27).unwrap())
        .unwrap();
    let headers = [
        "Nr.\ncrt.",
        "Denumire",
        "CIF/CNP",
        "Nr. Reg.\nCom.",
        "Adresa",
        "Localitate",
        "Județ",
        "Țara",
        "Cod poștal",
        "E-mail",
        "Telefon",
        "Persoana de\ncontact",
        "IBAN",
        "Banca",
        "Cod client",
        "Plătitor TVA",
        "Data adăugării",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    let rows: [(&str, f64, &str); 3] = [
        ("Alfa Construct SRL", 18547290.0, "RO"),
        ("Beta Distribuție SRL", 31826470.0, ""),
        ("Gama Serv SRL", 18547291.0, ""),
    ];
    for (i, (name, cif, prefix)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        if prefix.is_empty() {
            // CIFs typed as numbers: Excel stores them as doubles.
            sheet.write_number(r, 2, *cif).unwrap();
        } else {
            sheet.write_string(r, 2, format!("{prefix}{cif}")).unwrap();
        }
        sheet.write_string(r, 3, "J40/123/2015").unwrap();
        sheet.write_string(r, 4, "Str. Exemplu nr. 1").unwrap();
        sheet.write_string(r, 5, "București").unwrap();
        sheet.write_string(r, 6, "Sector 1").unwrap();
        sheet.write_string(r, 7, "România").unwrap();
        sheet.write_number(r, 8, 10011.0).unwrap();
        sheet
            .write_string(r, 9, "office@exemplu.ro; contabil@exemplu.ro")
            .unwrap();
        sheet.write_number(r, 10, 722123456.0).unwrap();
        sheet.write_string(r, 11, "Ion Popescu").unwrap();
        sheet
            .write_string(r, 12, "RO49 AAAA 1B31 0075 9384 0000")
            .unwrap();
        sheet.write_string(r, 13, "Banca Transilvania").unwrap();
        sheet.write_string(r, 14, format!("C{:03}", i + 1)).unwrap();
        sheet
            .write_string(r, 15, if i == 0 { "Da" } else { "Nu" })
            .unwrap();
        sheet
            .write_datetime(r, 16, ExcelDateTime::from_ymd(2024, 3, 15).unwrap())
            .unwrap();
    }
}

fn xlsx(build: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut wb = Workbook::new();
    build(&mut wb);
    wb.save_to_buffer().expect("xlsx written")
}

#[test]
fn reads_a_smartbill_like_export() {
    let bytes = xlsx(|wb| smartbill_export(wb.add_worksheet()));
    let session = open(&bytes, "clienti.xlsx", Lang::Ro).expect("opens");
    let preview = serde_json::json!(session.preview());
    assert_eq!(preview["headerRow"], 4, "the header is below the title rows");
    let targets: Vec<Option<String>> = preview["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["target"].as_str().map(str::to_string))
        .collect();
    let expect = [
        None,
        Some(Target::Name),
        Some(Target::VatCode),
        Some(Target::RegCom),
        Some(Target::Address),
        Some(Target::City),
        Some(Target::County),
        Some(Target::Country),
        Some(Target::PostalCode),
        Some(Target::Email),
        Some(Target::Phone),
        Some(Target::Contact),
        Some(Target::Iban),
        Some(Target::Bank),
        Some(Target::ClientCode),
        Some(Target::VatPayer),
        None,
    ];
    assert_eq!(
        targets,
        expect
            .iter()
            .map(|t| t.map(|t| t.id().to_string()))
            .collect::<Vec<_>>()
    );
    let c = session.candidates();
    assert_eq!(c.len(), 3);
    let alfa = &c[0];
    assert_eq!(alfa.row, 5);
    assert_eq!(alfa.vat, "18547290");
    assert!(alfa.vat_payer);
    assert_eq!(alfa.kind, Some(Kind::Company));
    assert_eq!(alfa.address.postal_code, "010011");
    assert_eq!(alfa.phone, "0722123456");
    assert_eq!(alfa.email, "office@exemplu.ro");
    assert_eq!(alfa.iban, "RO49AAAA1B31007593840000");
    assert!(alfa.issues.iter().any(|i| matches!(i, Issue::ExtraEmails { .. })));
    let beta = &c[1];
    assert_eq!(beta.vat, "31826470", "numeric CIF read without decimals");
    assert!(!beta.vat_payer);
    assert!(beta.issues.iter().any(|i| matches!(i, Issue::NumericCif { .. })));
    let gama = &c[2];
    assert!(!gama.valid(), "a wrong control digit is flagged, not imported");
    assert!(gama
        .issues
        .iter()
        .any(|i| matches!(i, Issue::CifControlDigit { .. })));
    let counts = &preview["counts"];
    assert_eq!(counts["companies"], 2);
    assert_eq!(counts["invalid"], 1);
    // The page's count boxes come labelled from the core, in the session's language.
    assert_eq!(
        preview["tallies"],
        serde_json::json!([
            { "value": 2, "label": "companii valide", "kind": "new" },
            { "value": 1, "label": "invalide (nu se importă)", "kind": "invalid" },
            { "value": 0, "label": "duplicate comasate", "kind": "merged" },
            { "value": 2, "label": "cu observații", "kind": "unchanged" },
        ])
    );
    let msg = gama
        .issues
        .iter()
        .find(|i| i.is_error())
        .expect("an error")
        .message(Lang::Ro);
    assert!(msg.contains("cifra de control"), "{msg}");
    // The preview shows the refused CIF itself, beside the reason.
    let gama_row = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Gama Serv SRL")
        .expect("Gama is listed");
    assert_eq!(gama_row["valid"], false);
    assert_eq!(gama_row["vat"], "18547291");
    assert_eq!(gama_row["rejectedVat"], "18547291");
    assert!(gama_row["issues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["error"] == true && i["message"].as_str().unwrap().contains("„18547291”")));
    // An accepted CIF is not marked.
    let beta_row = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Beta Distribuție SRL")
        .expect("Beta is listed (a remark)");
    assert_eq!(beta_row["vat"], "31826470");
    assert!(beta_row["rejectedVat"].is_null());
}

#[test]
fn picks_the_sheet_with_clients() {
    let bytes = xlsx(|wb| {
        let s = wb.add_worksheet();
        s.set_name("Instrucțiuni").unwrap();
        s.write_string(0, 0, "Acest fișier a fost generat de SmartBill")
            .unwrap();
        let s = wb.add_worksheet();
        s.set_name("Produse").unwrap();
        for (c, h) in ["Denumire", "Cod", "Cantitate", "Preț"].iter().enumerate() {
            s.write_string(0, c as u16, *h).unwrap();
        }
        s.write_string(1, 0, "Ciment").unwrap();
        let s = wb.add_worksheet();
        s.set_name("Clienti").unwrap();
        smartbill_export(s);
    });
    let session = open(&bytes, "clienti.xlsx", Lang::Ro).expect("opens");
    let preview = serde_json::json!(session.preview());
    assert_eq!(preview["sheet"], 2);
    assert!(preview["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("Clienti")));
}

#[test]
fn user_can_remap_a_column() {
    let bytes = xlsx(|wb| {
        let s = wb.add_worksheet();
        for (c, h) in ["Denumire", "Cod fiscal", "Oraș", "Observații"]
            .iter()
            .enumerate()
        {
            s.write_string(0, c as u16, *h).unwrap();
        }
        s.write_string(1, 0, "Alfa SRL").unwrap();
        s.write_string(1, 1, "RO18547290").unwrap();
        s.write_string(1, 2, "Cluj-Napoca").unwrap();
        s.write_string(1, 3, "office@alfa.ro").unwrap();
    });
    let mut session = open(&bytes, "c.xlsx", Lang::Ro).expect("opens");
    assert_eq!(session.candidates()[0].email, "");
    session.set_column(3, "email").unwrap();
    assert_eq!(session.candidates()[0].email, "office@alfa.ro");
    session.set_column(2, "").unwrap();
    assert_eq!(session.candidates()[0].address.city, "");
}

#[test]
fn formulas_dates_and_merged_cells() {
    let bytes = xlsx(|wb| {
        let s = wb.add_worksheet();
        for (c, h) in ["Denumire", "CUI", "Județ", "Localitate", "Cod client"]
            .iter()
            .enumerate()
        {
            s.write_string(0, c as u16, *h).unwrap();
        }
        // A name computed by a formula, with its cached result.
        s.write_formula(1, 0, "=\"Alfa \"&\"SRL\"").unwrap();
        s.set_formula_result(1, 0, "Alfa SRL");
        s.write_string(1, 1, "18547290").unwrap();
        // A county merged over two rows: both rows get it.
        s.merge_range(1, 2, 2, 2, "Cluj", &Format::new()).unwrap();
        s.write_string(1, 3, "Cluj-Napoca").unwrap();
        // A date where a code was expected.
        let date = Format::new().set_num_format("dd/mm/yyyy");
        s.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2025, 1, 2).unwrap(), &date)
            .unwrap();
        s.write_string(2, 0, "Beta SRL").unwrap();
        s.write_number(2, 1, 31826470.0).unwrap();
        s.write_string(2, 3, "Turda").unwrap();
    });
    let session = open(&bytes, "c.xlsx", Lang::Ro).expect("opens");
    let c = session.candidates();
    assert_eq!(c[0].name, "Alfa SRL");
    assert_eq!(c[0].client_code, "2025-01-02");
    assert_eq!(c[0].address.county, "Cluj");
    assert_eq!(c[1].address.county, "Cluj", "vertical merge filled down");
}

#[test]
fn a_5_mb_cell_rejects_its_row_only() {
    // Excel caps a cell at 32,767 characters, so such a file is hand-made: inline strings.
    let huge = "A".repeat(5 * 1024 * 1024);
    let cell = |r: u32, c: char, v: &str| format!(r#"<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>"#);
    let sheet = format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{}{}{}</row><row r="2">{}{}{}</row><row r="3">{}{}</row></sheetData></worksheet>"#,
        cell(1, 'A', "Denumire"),
        cell(1, 'B', "CIF"),
        cell(1, 'C', "Adresa"),
        cell(2, 'A', "Alfa SRL"),
        cell(2, 'B', "18547290"),
        cell(2, 'C', &huge),
        cell(3, 'A', "Beta SRL"),
        cell(3, 'B', "31826470"),
    );
    let bytes = minimal_xlsx(sheet.as_bytes(), 8, None);
    let session = open(&bytes, "c.xlsx", Lang::Ro).expect("opens");
    let c = session.candidates();
    assert!(!c[0].valid());
    let msg = c[0]
        .issues
        .iter()
        .find(|i| matches!(i, Issue::TooLong { .. }))
        .expect("too long")
        .message(Lang::Ro);
    assert!(msg.contains("5242880"), "{msg}");
    assert!(c[1].valid());
    // The preview never carries the 5 MB text.
    assert!(serde_json::json!(session.preview()).to_string().len() < 20_000);
}

#[test]
fn missing_names_and_duplicates() {
    let bytes = xlsx(|wb| {
        let s = wb.add_worksheet();
        for (c, h) in ["Client", "CUI", "Telefon", "Email"].iter().enumerate() {
            s.write_string(0, c as u16, *h).unwrap();
        }
        s.write_string(1, 0, "Alfa SRL").unwrap();
        s.write_string(1, 1, "18547290").unwrap();
        s.write_string(2, 1, "31826470").unwrap();
        s.write_string(3, 0, "ALFA SRL").unwrap();
        s.write_string(3, 1, "RO 18547290").unwrap();
        s.write_string(3, 2, "0722 123 456").unwrap();
        s.write_string(3, 3, "nu-i-email").unwrap();
    });
    let session = open(&bytes, "c.xlsx", Lang::Ro).expect("opens");
    let c = session.candidates();
    assert!(c[1].issues.contains(&Issue::MissingName));
    assert_eq!(c[0].merged_rows, vec![4]);
    assert_eq!(
        c[0].phone, "0722 123 456",
        "a gap of the first row is filled by its duplicate"
    );
    assert!(c[0].vat_payer, "RO on the duplicate");
    assert!(c[2].merged());
    assert!(c[2].issues.iter().any(|i| matches!(i, Issue::BadEmail { .. })));
    assert_eq!(session.preview().counts.companies, 1);
}

fn message(e: &ImportError) -> String {
    e.message(Lang::Ro)
}

#[test]
fn bad_files_get_clear_messages() {
    let err = |bytes: &[u8]| open(bytes, "x.xlsx", Lang::Ro).err().expect("refused");
    let e = err(b"");
    assert_eq!(e, ImportError::EmptyFile);
    assert!(message(&e).contains("gol"));

    let e = err(b"Denumire;CIF\nAlfa;18547290\n");
    assert!(matches!(&e, ImportError::NotSpreadsheet { hint } if hint == "csv"));
    assert!(message(&e).contains(".xlsx"));

    let e = err(b"\x00\x01\x02 random bytes \xff\xfe");
    assert!(matches!(e, ImportError::NotSpreadsheet { .. }));

    let good = xlsx(|wb| smartbill_export(wb.add_worksheet()));
    let e = err(&good[..good.len() / 2]);
    assert_eq!(e, ImportError::Truncated);
    assert!(message(&e).contains("incomplet"));

    let empty = xlsx(|wb| {
        wb.add_worksheet();
    });
    assert_eq!(err(&empty), ImportError::EmptyFile);

    let no_header = xlsx(|wb| {
        let s = wb.add_worksheet();
        s.write_string(0, 0, "Produs").unwrap();
        s.write_string(0, 1, "Cantitate").unwrap();
        s.write_string(1, 0, "Ciment").unwrap();
    });
    let e = err(&no_header);
    assert!(matches!(e, ImportError::NoHeader { .. }));
    assert!(message(&e).contains("Denumire"));

    // Every message exists in the three languages.
    for lang in [Lang::Ro, Lang::En, Lang::Hu] {
        assert!(!e.message(lang).is_empty());
    }
}

/// A minimal compound file (MS-CFB version 3, 512-byte sectors) with the given stream names:
/// sector 0 holds the FAT; the directory starts after `gap` unused sectors and takes as many
/// chained sectors as its entries need (four a sector, the root first).
fn compound_file(streams: &[&str], gap: u32) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    let names: Vec<&str> = std::iter::once("Root Entry")
        .chain(streams.iter().copied())
        .collect();
    let dir_sectors = names.len().div_ceil(4) as u32;
    let first_dir = 1 + gap;
    let mut fat = vec![FREE; 128];
    fat[0] = 0xFFFF_FFFD;
    for i in 0..dir_sectors {
        let n = first_dir + i;
        fat[n as usize] = if i + 1 < dir_sectors { n + 1 } else { END };
    }
    let mut out = vec![0u8; 512];
    out[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |o: &mut Vec<u8>, at: usize, v: u16| o[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |o: &mut Vec<u8>, at: usize, v: u32| o[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut out, 0x18, 0x3E);
    put16(&mut out, 0x1A, 3);
    put16(&mut out, 0x1C, 0xFFFE);
    put16(&mut out, 0x1E, 9);
    put16(&mut out, 0x20, 6);
    put32(&mut out, 0x2C, 1);
    put32(&mut out, 0x30, first_dir);
    put32(&mut out, 0x38, 4096);
    put32(&mut out, 0x3C, END);
    put32(&mut out, 0x44, END);
    put32(&mut out, 0x4C, 0);
    for i in 1..109 {
        put32(&mut out, 0x4C + 4 * i, FREE);
    }
    for v in &fat {
        out.extend(v.to_le_bytes());
    }
    out.extend(vec![0u8; 512 * gap as usize]);
    let mut dir = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (j, u) in units.iter().enumerate() {
            e[2 * j..2 * j + 2].copy_from_slice(&u.to_le_bytes());
        }
        put16(&mut e, 64, ((units.len() + 1) * 2) as u16);
        e[66] = if i == 0 { 5 } else { 2 };
        e[67] = 1;
        put32(&mut e, 68, FREE);
        put32(&mut e, 72, FREE);
        put32(&mut e, 76, FREE);
        put32(&mut e, 116, END);
        dir.extend(e);
    }
    dir.resize(512 * dir_sectors as usize, 0);
    out.extend(dir);
    out
}

#[test]
fn a_password_protected_xlsx_is_named_as_such() {
    use minicrm_smartbill::import::xlsx::{cfb_entry_names, is_encrypted_package};
    let err = |bytes: &[u8]| open(bytes, "clienti.xlsx", Lang::Ro).err().expect("refused");
    // What Excel writes for "Encrypt with Password": a compound file, not a zip.
    let streams = ["\u{6}DataSpaces", "EncryptionInfo", "EncryptedPackage"];
    let encrypted = compound_file(&streams, 0);
    assert_eq!(
        cfb_entry_names(&encrypted).expect("a readable directory"),
        vec![
            "Root Entry",
            "\u{6}DataSpaces",
            "EncryptionInfo",
            "EncryptedPackage"
        ]
    );
    let e = err(&encrypted);
    assert_eq!(e, ImportError::PasswordProtected);
    assert_eq!(
        message(&e),
        "Fișierul este protejat cu parolă. Deschide-l în Excel, scoate parola (Fișier › Informații › \
         Protejare registru › Criptare cu parolă) și salvează-l din nou."
    );
    assert!(e.message(Lang::En).contains("password-protected"));
    assert!(e.message(Lang::Hu).contains("jelszóval védett"));
    assert!(!message(&e).contains("deteriorat"));
    assert_eq!(e.code(), "import.passwordProtected");

    // The directory followed across its sector chain, after unused sectors.
    let streams = ["A", "B", "C", "D", "E", "EncryptionInfo", "EncryptedPackage"];
    let far = compound_file(&streams, 3);
    assert_eq!(cfb_entry_names(&far).map(|n| n.len()), Some(8));
    assert_eq!(err(&far), ImportError::PasswordProtected);

    // A legacy .xls is a compound file too, with a Workbook stream: not "password-protected"
    // (this one is empty inside, and is read as such).
    let xls = compound_file(&["Workbook", "\u{5}SummaryInformation"], 0);
    assert!(!is_encrypted_package(&xls));
    let e = err(&xls);
    assert_ne!(e, ImportError::PasswordProtected);
    assert!(!message(&e).contains("parolă"), "{e:?}");

    // A compound file whose directory cannot be followed is still recognised by the stream's
    // name in UTF-16LE.
    let mut broken = compound_file(&streams, 0);
    broken[0x30..0x34].copy_from_slice(&999u32.to_le_bytes());
    assert!(cfb_entry_names(&broken).is_none());
    assert_eq!(err(&broken), ImportError::PasswordProtected);
}

/// A minimal zip writer (the `zip` crate is read-only here): stored entries plus one deflated.
fn zip_file(entries: &[(&str, u16, &[u8], u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, data, crc, size) in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend(0u32.to_le_bytes());
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central {
                // Comment length, disk number, internal and external attributes.
                h.extend([0u8; 6]);
                h.extend(0u32.to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend(*data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// An .xlsx with one sheet named "Clienti" whose XML is `sheet`: stored as is (`method` 0) or
/// already deflated (`method` 8, with `declared` its inflated size).
fn minimal_xlsx(sheet: &[u8], method: u16, declared: Option<u32>) -> Vec<u8> {
    let types = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Clienti" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let wb_rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let crc = |d: &[u8]| {
        let mut h = flate2::Crc::new();
        h.update(d);
        h.sum()
    };
    let (data, sheet_crc, size) = match (method, declared) {
        (8, Some(size)) => (sheet.to_vec(), 0, size),
        (8, None) => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, sheet).unwrap();
            (e.finish().unwrap(), crc(sheet), sheet.len() as u32)
        }
        _ => (sheet.to_vec(), crc(sheet), sheet.len() as u32),
    };
    zip_file(&[
        ("[Content_Types].xml", 0, types, crc(types), types.len() as u32),
        ("_rels/.rels", 0, rels, crc(rels), rels.len() as u32),
        (
            "xl/workbook.xml",
            0,
            workbook,
            crc(workbook),
            workbook.len() as u32,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            0,
            wb_rels,
            crc(wb_rels),
            wb_rels.len() as u32,
        ),
        ("xl/worksheets/sheet1.xml", method, &data, sheet_crc, size),
    ])
}

/// A real bomb: about 1 MB of deflate that inflates to 1.1 GB of zeros. The same sync-flushed
/// block of "repeat the previous bytes" is repeated; every copy inflates to 1 MiB.
fn deflate_bomb(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut run = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(1 << 16);
        c.compress_vec(input, &mut out, flush).unwrap();
        out
    };
    let first = run(&zeros, FlushCompress::Sync);
    let again = run(&zeros, FlushCompress::Sync);
    let end = run(&[], FlushCompress::Finish);
    let mut out = first;
    for _ in 1..mib {
        out.extend(&again);
    }
    out.extend(end);
    out
}

#[test]
fn a_zip_bomb_is_refused_before_inflating() {
    let mib = 1100;
    let bomb = deflate_bomb(mib);
    assert!(bomb.len() < 8 * 1024 * 1024, "small: {} bytes", bomb.len());
    let size = (mib as u64 * 1024 * 1024) as u32;
    let file = minimal_xlsx(&bomb, 8, Some(size));
    let e = read_workbook(&file).expect_err("refused");
    assert!(
        matches!(e, ImportError::ZipBomb { declared_mb } if declared_mb >= 1100),
        "{e:?}"
    );
    assert!(message(&e).contains("MB"));
    // Refused before anything is inflated (a clock proves nothing on a loaded machine): the same
    // declared size over data that is no deflate stream at all (every block of a reserved type).
    // A reader that inflated first would fail on the data, with another error.
    let not_deflate = vec![0xFFu8; 64 * 1024];
    let file = minimal_xlsx(&not_deflate, 8, Some(size));
    let e = read_workbook(&file).expect_err("refused");
    assert!(
        matches!(e, ImportError::ZipBomb { declared_mb } if declared_mb >= 1100),
        "{e:?}"
    );
    // The same data with an honest declared size is inflated, and fails as corrupt: the check
    // above is what kept it from the inflater.
    let file = minimal_xlsx(&not_deflate, 8, Some(1024 * 1024));
    let e = read_workbook(&file).expect_err("not a deflate stream");
    assert!(!matches!(e, ImportError::ZipBomb { .. }), "{e:?}");
}

/// The fast .xlsx reader gives exactly what calamine gives, on every kind of test workbook.
#[test]
fn the_fast_reader_agrees_with_calamine() {
    let books = [
        xlsx(|wb| smartbill_export(wb.add_worksheet())),
        xlsx(|wb| {
            let s = wb.add_worksheet();
            s.write_string(0, 0, "Denumire").unwrap();
            s.write_formula(1, 0, "=\"Alfa \"&\"SRL\"").unwrap();
            s.set_formula_result(1, 0, "Alfa SRL");
            s.write_formula(2, 0, "=1+1").unwrap();
            s.merge_range(1, 2, 3, 2, "Cluj", &Format::new()).unwrap();
            let date = Format::new().set_num_format("dd/mm/yyyy");
            s.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2025, 1, 2).unwrap(), &date)
                .unwrap();
            let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm");
            s.write_datetime_with_format(
                2,
                4,
                ExcelDateTime::parse_from_str("2025-01-02 13:45:00").unwrap(),
                &stamp,
            )
            .unwrap();
            s.write_boolean(3, 1, true).unwrap();
            s.write_number(3, 3, 31826470.0).unwrap();
            s.write_number(4, 3, 2.5).unwrap();
            s.write_string(4, 0, "Ș&T <Ţ> \"quoted\" 'x'\nline").unwrap();
            s.write_string(5, 27, "far column AB").unwrap();
            let other = wb.add_worksheet().set_name("Alta").unwrap();
            other.write_string(0, 0, "x").unwrap();
        }),
    ];
    for (i, bytes) in books.iter().enumerate() {
        let fast = fastxlsx::read(bytes)
            .unwrap_or_else(|| panic!("book {i}: the fast reader stepped aside"))
            .unwrap();
        let reference = read_workbook_with_calamine(bytes).unwrap();
        assert_eq!(fast, reference, "book {i}");
    }
    // A file the fast reader does not know is left to calamine (same result through read_workbook).
    if let Ok(path) = std::env::var("IMPORT_BENCH_FILE") {
        let bytes = std::fs::read(path).unwrap();
        let fast = fastxlsx::read(&bytes).expect("handled").unwrap();
        let mut reference = read_workbook_with_calamine(&bytes).unwrap();
        // calamine skips the merged-cell scan on long sheets; the fast reader always has it.
        for (f, r) in fast.sheets.iter().zip(reference.sheets.iter_mut()) {
            r.merged = f.merged.clone();
        }
        assert_eq!(fast, reference, "the benchmark file");
    }
}

/// Where the fast reader's time goes (run by hand, like `parse_speed_native`).
#[test]
#[ignore]
fn fast_reader_breakdown() {
    use std::io::Read;
    let Ok(path) = std::env::var("IMPORT_BENCH_FILE") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let t = std::time::Instant::now();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
    let mut total = 0;
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        let mut f = zip.by_name(name).unwrap();
        let mut out = Vec::new();
        f.read_to_end(&mut out).unwrap();
        total += out.len();
    }
    println!("inflate {total} bytes: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let wb = fastxlsx::read(&bytes).unwrap().unwrap();
    println!(
        "fast read (inflate + parse + grid): {:?}, {} rows",
        t.elapsed(),
        wb.sheets[0].rows.len()
    );
}
