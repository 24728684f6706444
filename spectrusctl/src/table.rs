//! Aligned plain-text tables for people: a header row and left-aligned columns separated by two
//! spaces, the last column unpadded. Widths count characters (not terminal cells), which is
//! right for the ASCII names most servers use.

use std::io::{self, Write};

/// A table being built row by row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<I, S>(header: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// A table without a header row (key/value listings).
    pub fn headless() -> Table {
        Table::default()
    }

    /// Appends a row; missing cells are blank, extra cells are kept as more columns.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Table
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.rows
            .push(cells.into_iter().map(|c| clean(c.as_ref())).collect());
        self
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no data row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table, header first.
    pub fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        let header = (!self.header.is_empty()).then_some(&self.header);
        let all = || header.into_iter().chain(&self.rows);
        let columns = all().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for row in all() {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        for row in all() {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                line.push_str(cell);
                if i + 1 < columns {
                    let pad = width - cell.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(w, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// The table as a string (for tests and small outputs).
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_to(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// Replaces control characters (a name with an escape sequence must not drive the terminal)
/// and newlines (a row is one line).
pub fn clean(cell: &str) -> String {
    cell.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_last_is_unpadded() {
        let mut t = Table::new(["ID", "NAME", "OWNER"]);
        t.row(["1", "alice", "yes"]);
        t.row(["12345", "bo", ""]);
        assert_eq!(
            t.render(),
            "ID     NAME   OWNER\n\
             1      alice  yes\n\
             12345  bo\n"
        );
    }

    #[test]
    fn empty_table_prints_its_header() {
        let t = Table::new(["CODE", "USES"]);
        assert!(t.is_empty());
        assert_eq!(t.render(), "CODE  USES\n");
    }

    #[test]
    fn headless_tables_have_no_blank_first_line() {
        let mut t = Table::headless();
        t.row(["version", "1"]).row(["uptime", "2s"]);
        assert_eq!(t.render(), "version  1\nuptime   2s\n");
    }

    #[test]
    fn control_characters_are_neutralised() {
        let mut t = Table::new(["NAME"]);
        t.row(["evil\u{1b}[2Jname\nnext"]);
        assert_eq!(t.render(), "NAME\nevil?[2Jname?next\n");
    }

    #[test]
    fn non_ascii_names_count_characters() {
        let mut t = Table::new(["NAME", "X"]);
        t.row(["zoë", "1"]);
        assert_eq!(t.render(), "NAME  X\nzoë   1\n");
    }
}
