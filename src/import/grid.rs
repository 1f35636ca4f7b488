//! A spreadsheet as plain data: sheets of rows of cells. The reader (`xlsx.rs`, calamine) fills it;
//! everything after that (header detection, mapping, validation) works on this and runs anywhere.

/// One cell's value, as the file stored it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    /// Shared: a string of the workbook's shared-string table is stored once, whatever the
    /// number of cells that use it.
    Text(std::sync::Arc<str>),
    /// Excel keeps numbers as doubles: a CIF typed as a number arrives here (and loses its
    /// leading zeros, as a postal code or a phone number does).
    Number(f64),
    Bool(bool),
    /// A date cell, already as `yyyy-mm-dd` (or `yyyy-mm-dd hh:mm:ss`).
    Date(String),
    /// `#N/A`, `#REF!`, … (a formula that failed).
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, numbers written without a decimal part when they have none
    /// (`18547290`, never `18547290.0` or `1.854729e7`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.to_string(),
            Cell::Number(n) => number_text(*n),
            Cell::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Cell::Date(d) => d.clone(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// `18547290.0` → `18547290`; `2.5` → `2.5`; very large or odd values as Rust prints them.
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e16 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A sheet: `rows[r][c]` is the cell at row `r + 1`, column `c` (0-based, A = 0) of the file.
/// Rows may be shorter than others (trailing empty cells are not stored).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
    /// Formula cells that carried no computed value (the file was never recalculated).
    pub formulas_without_value: usize,
    /// Merged regions (first row, first column, last row, last column), 0-based inclusive.
    pub merged: Vec<(u32, u32, u32, u32)>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&EMPTY)
    }

    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Copies the value of each vertically merged region's top cell into the cells below it (a
    /// county or a company name merged over several rows belongs to each of them). Horizontal
    /// merges keep their value in the first column only, which is where it belongs.
    pub fn fill_vertical_merges(&mut self) {
        let merged = std::mem::take(&mut self.merged);
        for &(r0, c0, r1, c1) in &merged {
            if r1 <= r0 {
                continue;
            }
            let r0 = r0 as usize;
            let (c0, c1) = (c0 as usize, c1 as usize);
            for c in c0..=c1.min(c0 + 64) {
                let top = self.cell(r0, c).clone();
                if top.is_empty() {
                    continue;
                }
                for r in r0 + 1..=(r1 as usize).min(self.rows.len().saturating_sub(1)) {
                    let row = &mut self.rows[r];
                    if row.len() <= c {
                        row.resize(c + 1, Cell::Empty);
                    }
                    if row[c].is_empty() {
                        row[c] = top.clone();
                    }
                }
            }
        }
        self.merged = merged;
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_codes() {
        assert_eq!(number_text(18547290.0), "18547290");
        assert_eq!(number_text(1850315224515.0), "1850315224515");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(Cell::Number(10011.0).text(), "10011");
    }

    #[test]
    fn vertical_merges_fill_down() {
        let mut s = Sheet {
            rows: vec![
                vec![Cell::Text("Cluj".into()), Cell::Text("A".into())],
                vec![Cell::Empty, Cell::Text("B".into())],
                vec![],
            ],
            merged: vec![(0, 0, 2, 0)],
            ..Default::default()
        };
        s.fill_vertical_merges();
        assert_eq!(s.cell(1, 0), &Cell::Text("Cluj".into()));
        assert_eq!(s.cell(2, 0), &Cell::Text("Cluj".into()));
    }
}
