//! The share page's HTML: the document with its Open Graph and Twitter card tags, the image or the
//! collection's grid, and the friendly error pages, in English or Indonesian. Every value that
//! comes from a user or a URL goes through [`escape`].

use std::collections::HashMap;

use super::image::scaled_height;
use super::shared::Seen;

/// The words of the page in one language.
pub struct Words {
    pub lang: &'static str,
    untitled: &'static str,
    shared_image: &'static str,
    images_shared: &'static str,
    prompt: &'static str,
    more: &'static str,
    make_your_own: &'static str,
    pub missing: (&'static str, &'static str),
    pub expired: (&'static str, &'static str),
    pub failed: (&'static str, &'static str),
}

pub const ENGLISH: Words = Words {
    lang: "en",
    untitled: "Untitled image",
    shared_image: "An image shared from AI Image Studio.",
    images_shared: "images shared from AI Image Studio.",
    prompt: "Prompt",
    more: "More images",
    make_your_own: "Make your own with AI Image Studio",
    missing: ("This link does not work", "It does not exist, or whoever shared it has withdrawn it."),
    expired: ("This link has expired", "Ask whoever shared it for a new one."),
    failed: ("Something went wrong", "Please try again in a moment."),
};

pub const INDONESIAN: Words = Words {
    lang: "id",
    untitled: "Gambar tanpa judul",
    shared_image: "Gambar yang dibagikan dari AI Image Studio.",
    images_shared: "gambar dibagikan dari AI Image Studio.",
    prompt: "Prompt",
    more: "Gambar lainnya",
    make_your_own: "Buat gambarmu sendiri dengan AI Image Studio",
    missing: ("Tautan ini tidak berlaku", "Tautan ini tidak ada, atau orang yang membagikannya sudah menariknya."),
    expired: ("Tautan ini sudah kedaluwarsa", "Mintalah tautan baru kepada orang yang membagikannya."),
    failed: ("Terjadi kesalahan", "Silakan coba lagi sebentar lagi."),
};

use crate::http::escape_html as escape;

/// The preview card: what link previews show.
pub struct Card<'a> {
    pub title: String,
    pub description: String,
    /// `og:url`, the share URL itself (none on an error page).
    pub url: Option<&'a str>,
    pub image: Option<Preview>,
}

/// The card's picture: an absolute URL and its size.
pub struct Preview {
    pub url: String,
    pub width: u32,
    pub height: Option<u32>,
    pub alt: String,
}

/// The derivative link previews use: 800 px wide (what large cards show), or the original standing
/// in for it (at most 1.3 times as wide), else the widest below (small originals are never
/// upscaled), else the smallest there is.
pub fn preview(image: &Seen, urls: &HashMap<String, String>, words: &Words) -> Option<Preview> {
    const WIDTH: u32 = 800;
    let sizes = image.derivatives();
    let (width, path) = sizes.iter().rev().find(|(w, _)| *w <= WIDTH * 13 / 10).or_else(|| sizes.first()).copied()?;
    Some(Preview {
        url: urls.get(path)?.clone(),
        width,
        height: scaled_height(image.width, image.height, width),
        alt: alt(image, words).to_owned(),
    })
}

pub fn describe_image(image: &Seen, words: &Words) -> String {
    let text = image.alt_text.as_deref().or(image.prompt.as_deref()).unwrap_or(words.shared_image);
    shorten(text, 200)
}

pub fn describe_collection(description: Option<&str>, count: i64, words: &Words) -> String {
    description.map_or_else(|| format!("{count} {}", words.images_shared), |text| shorten(text, 200))
}

pub fn title(image: &Seen, words: &Words) -> String {
    image.title.clone().unwrap_or_else(|| words.untitled.to_owned())
}

fn alt<'a>(image: &'a Seen, words: &'a Words) -> &'a str {
    image.alt_text.as_deref().or(image.title.as_deref()).unwrap_or(words.untitled)
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_owned(),
    }
}

/// The whole document: head with the card's tags, `body` (already escaped HTML), and the app link.
pub fn document(words: &Words, card: &Card<'_>, body: &str, app_url: &str) -> String {
    let mut meta = vec![
        ("property", "og:type", "website".to_owned()),
        ("property", "og:site_name", "AI Image Studio".to_owned()),
        ("property", "og:title", card.title.clone()),
        ("property", "og:description", card.description.clone()),
        ("name", "twitter:card", "summary_large_image".to_owned()),
        ("name", "twitter:title", card.title.clone()),
        ("name", "twitter:description", card.description.clone()),
    ];
    if let Some(url) = card.url {
        meta.push(("property", "og:url", url.to_owned()));
    }
    if let Some(image) = &card.image {
        meta.push(("property", "og:image", image.url.clone()));
        meta.push(("property", "og:image:width", image.width.to_string()));
        if let Some(height) = image.height {
            meta.push(("property", "og:image:height", height.to_string()));
        }
        meta.push(("property", "og:image:alt", image.alt.clone()));
        meta.push(("name", "twitter:image", image.url.clone()));
    }
    let tags: String = meta
        .iter()
        .map(|(attribute, name, content)| format!("<meta {attribute}=\"{name}\" content=\"{}\">\n", escape(content)))
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title} · AI Image Studio</title>\n\
         <meta name=\"description\" content=\"{description}\">\n{tags}\
         <link rel=\"stylesheet\" href=\"/share.css\">\n</head>\n<body>\n<main>\n{body}\
         <p class=\"app\"><a href=\"{app}/\">{make_your_own}</a></p>\n</main>\n</body>\n</html>\n",
        lang = words.lang,
        title = escape(&card.title),
        description = escape(&card.description),
        app = escape(app_url),
        make_your_own = words.make_your_own,
    )
}

/// One image: the figure with its sizes for the browser to choose from, and the prompt if shown.
/// An image Storage would not sign keeps its caption.
pub fn figure(image: &Seen, urls: &HashMap<String, String>, words: &Words, display_width: u32) -> String {
    let sized: Vec<(u32, &String)> =
        image.derivatives().into_iter().filter_map(|(width, path)| Some((width, urls.get(path)?))).collect();
    let shown = sized.iter().rev().find(|(w, _)| *w <= display_width).or(sized.first());
    let img = shown.map_or_else(String::new, |(width, src)| {
        let srcset: Vec<String> = sized.iter().map(|(w, url)| format!("{} {w}w", escape(url))).collect();
        let height =
            scaled_height(image.width, image.height, *width).map(|h| format!(" height=\"{h}\"")).unwrap_or_default();
        format!(
            "<img src=\"{src}\" srcset=\"{srcset}\" sizes=\"(max-width: {display_width}px) 100vw, \
             {display_width}px\" width=\"{width}\"{height} alt=\"{alt}\">\n",
            src = escape(src),
            srcset = srcset.join(", "),
            alt = escape(alt(image, words)),
        )
    });
    let prompt = image
        .prompt
        .as_deref()
        .map(|prompt| format!("<figcaption><strong>{}</strong> {}</figcaption>\n", words.prompt, escape(prompt)))
        .unwrap_or_default();
    format!("<figure>\n{img}{prompt}</figure>\n")
}

/// The link to the collection's next page, when there is one.
pub fn more(next_cursor: Option<&str>, words: &Words) -> String {
    next_cursor
        .map(|cursor| format!("<p class=\"more\"><a href=\"?cursor={}\">{}</a></p>\n", escape(cursor), words.more))
        .unwrap_or_default()
}

/// A friendly page for a link that does not work: its heading and what to do.
pub fn error_page(words: &Words, (heading, advice): (&str, &str), app_url: &str) -> String {
    let card = Card { title: heading.to_owned(), description: advice.to_owned(), url: None, image: None };
    let body = format!("<h1>{}</h1>\n<p>{}</p>\n", escape(heading), escape(advice));
    document(words, &card, &body, app_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_leave_a_text_or_an_attribute() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("Kucing oren 🐈"), "Kucing oren 🐈");
    }

    #[test]
    fn long_descriptions_are_shortened_on_a_character_boundary() {
        assert_eq!(shorten("kucing", 200), "kucing");
        let long = "é".repeat(250);
        assert_eq!(shorten(&long, 200).chars().count(), 201);
        assert!(shorten(&long, 200).ends_with('…'));
    }
}
