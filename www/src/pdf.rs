//! A real, small, single-page PDF (PDF 1.4, Helvetica, one text block) for SmartBill's
//! `/invoice/pdf` and `/estimate/pdf` and for the public `documentViewUrl`.

/// Renders `lines` (the first one as a title) into a valid PDF file.
pub fn render(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 16 Tf\n50 790 Td\n");
    for (i, line) in lines.iter().enumerate() {
        if i == 1 {
            content.push_str("/F1 10 Tf\n");
        }
        content.push_str(&format!(
            "({}) Tj\n0 -{} Td\n",
            escape(line),
            if i == 0 { 26 } else { 14 }
        ));
    }
    content.push_str("ET\n");

    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, obj).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
            objects.len() + 1,
            xref
        )
        .as_bytes(),
    );
    out
}

/// Romanian diacritics folded to ASCII (Helvetica's WinAnsi lacks ș/ț), PDF string escapes applied.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ă' | 'â' => 'a',
            'Ă' | 'Â' => 'A',
            'î' => 'i',
            'Î' => 'I',
            'ș' | 'ş' => 's',
            'Ș' | 'Ş' => 'S',
            'ț' | 'ţ' => 't',
            'Ț' | 'Ţ' => 'T',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '?',
        })
        .fold(String::new(), |mut acc, c| {
            if matches!(c, '(' | ')' | '\\') {
                acc.push('\\');
            }
            acc.push(c);
            acc
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_a_pdf_with_a_valid_trailer() {
        let pdf = super::render(&["Factura FCT 0124".into(), "Client: Ștefan (SRL)".into()]);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("(Client: Stefan \\(SRL\\)) Tj"));
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(&pdf[xref_at..xref_at + 4], b"xref");
    }
}
