//! Splits a migration file into its statements, as `supabase db push` records them in
//! `supabase_migrations.schema_migrations.statements`: each trimmed, without its closing `;`.

/// The statements of `sql`, in order. Semicolons inside quotes, quoted identifiers, dollar-quoted
/// bodies and comments do not end a statement; comments stay with the statement they precede.
pub fn split(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        i = match bytes[i] {
            b'\'' => skip_quoted(bytes, i, b'\''),
            b'"' => skip_quoted(bytes, i, b'"'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |at| i + at + 1)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => skip_block_comment(bytes, i),
            b'$' => skip_dollar_quoted(sql, i),
            b';' => {
                push(&mut statements, &sql[start..i]);
                start = i + 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    push(&mut statements, &sql[start.min(sql.len())..]);
    statements
}

fn push(statements: &mut Vec<String>, text: &str) {
    let text = text.trim();
    // A trailing comment after the last `;` is no statement.
    let only_comments = text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"));
    if !text.is_empty() && !only_comments {
        statements.push(text.to_owned());
    }
}

/// Past the closing quote of a '…' or "…" token opened at `at` (a doubled quote is part of it).
fn skip_quoted(bytes: &[u8], at: usize, quote: u8) -> usize {
    let mut i = at + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Past a /* … */ comment opened at `at`; PostgreSQL nests them.
fn skip_block_comment(bytes: &[u8], at: usize) -> usize {
    let (mut depth, mut i) = (0usize, at);
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past the closing tag of a $tag$ … $tag$ body opened at `at`; a `$` that opens no tag (a
/// parameter such as `$1`) is skipped alone.
fn skip_dollar_quoted(sql: &str, at: usize) -> usize {
    let rest = &sql[at + 1..];
    let tag_len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    let opens = rest.as_bytes().get(tag_len) == Some(&b'$') && !rest.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if !opens {
        return at + 1;
    }
    let tag = &sql[at..at + tag_len + 2];
    let body = at + tag.len();
    sql[body..].find(tag).map_or(sql.len(), |end| body + end + tag.len())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn semicolons_inside_bodies_quotes_and_comments_do_not_split() {
        let sql = "-- head\ncreate table t (a text default ';');\n\
                   create function f() returns int language sql as $body$ select 1; $body$;\n\
                   /* a; /* nested; */ */ select \"x;y\" from t; select $1::int\n-- tail\n";
        let got = split(sql);
        assert_eq!(got.len(), 4, "{got:#?}");
        assert_eq!(got[0], "-- head\ncreate table t (a text default ';')");
        assert!(got[1].ends_with("$body$ select 1; $body$"));
        assert!(got[2].starts_with("/* a; /* nested; */ */ select \"x;y\""));
        assert_eq!(got[3], "select $1::int\n-- tail");
    }
}
