//! Text from the description on the page: escaped first, then a small Markdown subset
//! (paragraphs, `code`, **bold**) marked up, so no markup can come from the text itself.

pub use studio::http::escape_html as escape;

/// Paragraphs (split on blank lines) of escaped text with `code` and **bold**.
pub fn prose(text: &str) -> String {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(|p| format!("<p>{}</p>", inline(p))).collect()
}

/// Escapes `text`, then marks its `code` spans and **bold** runs. Markers come in pairs; an
/// unpaired one stays as typed. The escaping comes first, so no markup can come from the text.
pub fn inline(text: &str) -> String {
    let escaped = escape(text);
    let coded = pairs(&escaped, "`", "<code>", "</code>");
    pairs(&coded, "**", "<b>", "</b>")
}

fn pairs(text: &str, marker: &str, open: &str, close: &str) -> String {
    let parts: Vec<&str> = text.split(marker).collect();
    if parts.len() < 3 {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            let paired = (i % 2 == 1 && i + 1 < parts.len()) || i % 2 == 0;
            out.push_str(match (paired, i % 2) {
                (true, 1) => open,
                (true, _) => close,
                (false, _) => marker,
            });
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_before_markup_is_added() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(prose("Send `<b>` **now**\n\nsecond"), "<p>Send <code>&lt;b&gt;</code> <b>now</b></p><p>second</p>");
        assert_eq!(inline("one ` alone"), "one ` alone");
        assert_eq!(inline("`a` and `b` and `"), "<code>a</code> and <code>b</code> and `");
    }
}
