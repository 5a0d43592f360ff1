//! The two outputs of the RTF reader: plain text and HTML.

use super::interp::{Format, Output};

/// Plain text; structure becomes CRLF and TAB.
#[derive(Debug, Default)]
pub(crate) struct PlainOut {
    pub(crate) text: String,
}

impl Output for PlainOut {
    fn text(&mut self, text: &str, _format: &Format, _in_table: bool) {
        self.text.push_str(text);
    }
    fn par(&mut self, _in_table: bool) {
        self.text.push_str("\r\n");
    }
    fn line(&mut self) {
        self.text.push_str("\r\n");
    }
    fn tab(&mut self) {
        self.text.push('\t');
    }
    fn cell(&mut self) {
        self.text.push('\t');
    }
    fn row(&mut self) {
        self.text.push_str("\r\n");
    }
}

/// HTML: `<p>` per paragraph, `<br>` per line break, `<b>`/`<i>`/`<u>` and
/// colour spans, `<a href>` for HYPERLINK fields, `<table>` for table rows.
#[derive(Debug, Default)]
pub(crate) struct HtmlOut {
    html: String,
    para_open: bool,
    table_open: bool,
    row_open: bool,
    cell_open: bool,
    link_open: bool,
    open_format: Format,
}

impl HtmlOut {
    /// The finished document.
    pub(crate) fn finish(mut self) -> String {
        self.close_block();
        let mut doc = String::with_capacity(self.html.len() + 80);
        doc.push_str("<html><head><meta charset=\"utf-8\"></head><body>\r\n");
        doc.push_str(&self.html);
        doc.push_str("</body></html>\r\n");
        doc
    }

    fn close_format(&mut self) {
        let f = std::mem::take(&mut self.open_format);
        if f.color.is_some() {
            self.html.push_str("</span>");
        }
        if f.underline {
            self.html.push_str("</u>");
        }
        if f.italic {
            self.html.push_str("</i>");
        }
        if f.bold {
            self.html.push_str("</b>");
        }
    }

    fn open_format(&mut self, f: &Format) {
        if f.bold {
            self.html.push_str("<b>");
        }
        if f.italic {
            self.html.push_str("<i>");
        }
        if f.underline {
            self.html.push_str("<u>");
        }
        if let Some((r, g, b)) = f.color {
            self.html
                .push_str(&format!("<span style=\"color:#{r:02x}{g:02x}{b:02x}\">"));
        }
        self.open_format = *f;
    }

    fn close_link(&mut self) {
        self.close_format();
        if self.link_open {
            self.html.push_str("</a>");
            self.link_open = false;
        }
    }

    fn close_table(&mut self) {
        if self.table_open {
            self.close_link();
            if self.cell_open {
                self.html.push_str("</td>");
                self.cell_open = false;
            }
            if self.row_open {
                self.html.push_str("</tr>");
                self.row_open = false;
            }
            self.html.push_str("</table>\r\n");
            self.table_open = false;
        }
    }

    /// Closes whatever paragraph or table is open.
    fn close_block(&mut self) {
        self.close_link();
        if self.para_open {
            self.html.push_str("</p>\r\n");
            self.para_open = false;
        }
        self.close_table();
    }

    /// Opens the container text goes into: a table cell or a paragraph.
    fn open_container(&mut self, in_table: bool) {
        if in_table {
            if self.para_open {
                self.close_block();
            }
            if !self.table_open {
                self.html.push_str("<table>");
                self.table_open = true;
            }
            if !self.row_open {
                self.html.push_str("<tr>");
                self.row_open = true;
            }
            if !self.cell_open {
                self.html.push_str("<td>");
                self.cell_open = true;
            }
        } else {
            if self.table_open {
                self.close_table();
            }
            if !self.para_open {
                self.html.push_str("<p>");
                self.para_open = true;
            }
        }
    }
}

impl Output for HtmlOut {
    fn text(&mut self, text: &str, format: &Format, in_table: bool) {
        if text.is_empty() {
            return;
        }
        self.open_container(in_table || (self.cell_open && !self.para_open));
        if self.open_format != *format {
            self.close_format();
            self.open_format(format);
        }
        escape_into(&mut self.html, text);
    }

    fn par(&mut self, in_table: bool) {
        if in_table && self.table_open {
            self.close_format();
            self.open_container(true);
            self.html.push_str("<br>");
            return;
        }
        if !self.para_open {
            self.open_container(false);
        }
        self.close_block();
    }

    fn line(&mut self) {
        let in_cell = self.cell_open;
        self.open_container(in_cell);
        self.close_format();
        self.html.push_str("<br>");
    }

    fn tab(&mut self) {
        let in_cell = self.cell_open;
        self.open_container(in_cell);
        self.html.push('\t');
    }

    fn cell(&mut self) {
        self.close_link();
        self.open_container(true);
        self.html.push_str("</td>");
        self.cell_open = false;
    }

    fn row(&mut self) {
        self.close_link();
        if self.cell_open {
            self.html.push_str("</td>");
            self.cell_open = false;
        }
        if self.row_open {
            self.html.push_str("</tr>\r\n");
            self.row_open = false;
        }
    }

    fn link_start(&mut self, url: &str) {
        let in_cell = self.cell_open;
        self.open_container(in_cell);
        self.close_link();
        self.html.push_str("<a href=\"");
        escape_into(&mut self.html, url);
        self.html.push_str("\">");
        self.link_open = true;
    }

    fn link_end(&mut self) {
        self.close_link();
    }
}

/// HTML-escapes `text` (`&`, `<`, `>`, `"`, `'`) onto `out`.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}
