//! Aligned text tables for the `list` commands: a header row, then one row per item, columns
//! separated by two spaces, numbers right-aligned, no trailing blanks. Small on purpose: no
//! borders, no wrapping; scripts should use `--json`.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table being built.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&'static str, Align)]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty, extra cells are dropped. Cells hold names from
    /// users, lab files and peers: each is escaped whole (a newline in a VM's name would
    /// otherwise forge a row), and aligned by what is shown.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| upstra_core::text::escape(&cell).into_owned())
                .collect(),
        );
    }

    /// The table as lines of text, each ending with a newline.
    pub fn render(&self) -> String {
        let cell = |row: &[String], i: usize| row.get(i).map_or("", String::as_str).to_owned();
        let header: Vec<String> = self.columns.iter().map(|(h, _)| (*h).to_owned()).collect();
        let all: Vec<Vec<String>> = std::iter::once(header)
            .chain(self.rows.iter().cloned())
            .map(|row| (0..self.columns.len()).map(|i| cell(&row, i)).collect())
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &all {
            let mut line = String::new();
            for (i, text) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i].saturating_sub(text.chars().count());
                match self.columns[i].1 {
                    Align::Left => {
                        line.push_str(text);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(text);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_numbers_go_right() {
        let mut t = Table::new(&[
            ("NAME", Align::Left),
            ("CHARGE", Align::Right),
            ("NOTE", Align::Left),
        ]);
        t.row(vec!["ups-a1".into(), "100%".into(), String::new()]);
        t.row(vec!["b".into(), "7%".into(), "low".into()]);
        assert_eq!(
            t.render(),
            "NAME    CHARGE  NOTE\n\
             ups-a1    100%\n\
             b           7%  low\n"
        );
    }

    #[test]
    fn a_hostile_cell_is_escaped_and_cannot_forge_a_row() {
        let mut t = Table::new(&[("ACTOR", Align::Left), ("RESULT", Align::Left)]);
        t.row(vec!["eve\u{1b}[2J\nadmin".into(), "refused\u{202e}".into()]);
        assert_eq!(
            t.render(),
            "ACTOR            RESULT\n\
             eve\\e[2J\\nadmin  refused\\u{202e}\n"
        );
    }

    #[test]
    fn an_empty_table_is_its_header() {
        let t = Table::new(&[("NAME", Align::Left), ("ROOM", Align::Left)]);
        assert_eq!(t.render(), "NAME  ROOM\n");
    }
}
