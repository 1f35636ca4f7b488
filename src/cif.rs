//! Romanian fiscal codes: the CIF/CUI of a company (2 to 10 digits, the last one a control digit
//! computed with the key 753217532; written with "RO" in front by VAT payers) and the CNP of a
//! person (13 digits, control key 279146358279).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cif {
    /// The digits, without prefix and without leading spaces.
    pub digits: String,
    /// Written with the "RO" prefix (the company is registered for VAT).
    pub ro_prefix: bool,
}

impl fmt::Display for Cif {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ro_prefix {
            write!(f, "RO{}", self.digits)
        } else {
            f.write_str(&self.digits)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CifProblem {
    Empty,
    /// Something other than digits after the optional RO prefix.
    NotDigits,
    /// Fewer than 2 or more than 10 digits.
    Length,
    /// The control digit does not match.
    ControlDigit,
}

/// Parses and checks a CIF, accepting "RO12345678", "ro 12345678", "12345678".
pub fn parse_cif(input: &str) -> Result<Cif, CifProblem> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(CifProblem::Empty);
    }
    let (ro_prefix, digits) = match compact.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("RO") => (true, &compact[2..]),
        _ => (false, compact.as_str()),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CifProblem::NotDigits);
    }
    if !(2..=10).contains(&digits.len()) {
        return Err(CifProblem::Length);
    }
    if !cif_control_ok(digits) {
        return Err(CifProblem::ControlDigit);
    }
    Ok(Cif {
        digits: digits.to_string(),
        ro_prefix,
    })
}

fn cif_control_ok(digits: &str) -> bool {
    const KEY: [u32; 9] = [7, 5, 3, 2, 1, 7, 5, 3, 2];
    let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((&control, body)) = values.split_last() else {
        return false;
    };
    // The body is right-aligned against the key.
    let offset = KEY.len() - body.len();
    let sum: u32 = body.iter().zip(&KEY[offset..]).map(|(d, k)| d * k).sum();
    let mut expected = sum * 10 % 11;
    if expected == 10 {
        expected = 0;
    }
    expected == control
}

/// Checks a CNP (13 digits; first digit 1–9; month 01–12; day 01–31; control digit).
pub fn cnp_valid(input: &str) -> bool {
    let digits: Vec<u32> = input
        .trim()
        .chars()
        .map(|c| c.to_digit(10).unwrap_or(99))
        .collect();
    if digits.len() != 13 || digits.contains(&99) || digits[0] == 0 {
        return false;
    }
    let month = digits[3] * 10 + digits[4];
    let day = digits[5] * 10 + digits[6];
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    const KEY: [u32; 12] = [2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9];
    let sum: u32 = digits[..12].iter().zip(KEY).map(|(d, k)| d * k).sum();
    let mut control = sum % 11;
    if control == 10 {
        control = 1;
    }
    control == digits[12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_cifs_with_or_without_ro() {
        assert_eq!(
            parse_cif("RO18547290"),
            Ok(Cif {
                digits: "18547290".into(),
                ro_prefix: true
            })
        );
        assert_eq!(
            parse_cif("ro 185 472 90").map(|c| c.to_string()),
            Ok("RO18547290".into())
        );
        assert_eq!(parse_cif("31826470").map(|c| c.ro_prefix), Ok(false));
        // A short, real-world style CIF.
        assert!(parse_cif("RO40571235").is_ok());
    }

    #[test]
    fn rejects_bad_cifs_with_the_reason() {
        assert_eq!(parse_cif(""), Err(CifProblem::Empty));
        assert_eq!(parse_cif("RO"), Err(CifProblem::NotDigits));
        assert_eq!(parse_cif("RO1854729A"), Err(CifProblem::NotDigits));
        assert_eq!(parse_cif("1"), Err(CifProblem::Length));
        assert_eq!(parse_cif("12345678901"), Err(CifProblem::Length));
        assert_eq!(parse_cif("RO18547291"), Err(CifProblem::ControlDigit));
    }

    #[test]
    fn control_digit_ten_becomes_zero() {
        // 1234567 + control: sum = 1*5+2*3+3*2+4*1+5*7+6*5+7*3 ... computed by the algorithm.
        for body in 10..5000u32 {
            let ok: Vec<u32> = (0..10)
                .filter(|d| cif_control_ok(&format!("{body}{d}")))
                .collect();
            assert_eq!(ok.len(), 1, "exactly one control digit for {body}");
        }
    }

    #[test]
    fn checks_cnp() {
        assert!(cnp_valid("1850315224515"));
        assert!(cnp_valid("2900712400372"));
        assert!(!cnp_valid("1850315224516"));
        assert!(!cnp_valid("185031522451"));
        assert!(!cnp_valid("1851315224515"));
    }
}
