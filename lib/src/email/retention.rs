//! The retention notice: an owner's images that are deleted soon, how many and from when, with a
//! link to the gallery, in Indonesian or English by the account's locale.

use super::Email;
use super::messages::{escape, pick};

/// `count` images of the account at `to` are deleted from `date` (`YYYY-MM-DD`, UTC) on; `link`
/// opens the gallery.
pub fn render_notice(count: u64, date: &str, link: &str, to: &str, locale: &str) -> Email {
    let id = locale == "id";
    let subject = if id {
        format!("{count} gambar Anda akan dihapus mulai {date}")
    } else if count == 1 {
        format!("1 of your images will be deleted on {date}")
    } else {
        format!("{count} of your images will be deleted from {date}")
    };
    let lines = [
        subject.clone() + ".",
        pick(
            id,
            "Gambar pribadi dihapus setelah masa simpan berakhir. Favorit, gambar dalam koleksi, dan gambar yang \
             dipublikasikan tetap disimpan.",
            "Private images are deleted when their retention ends. Favourites, images in a collection and \
             published images are kept.",
        )
        .to_owned(),
        pick(
            id,
            "Untuk menyimpan gambar, jadikan favorit atau masukkan ke koleksi sebelum tanggal itu:",
            "To keep an image, make it a favourite or add it to a collection before that date:",
        )
        .to_owned(),
    ];
    let label = pick(id, "Buka galeri", "Open the gallery");
    let text = format!("{}\n\n{link}\n", lines.join("\n"));
    let paragraphs: String = lines.iter().map(|l| format!("<p>{}</p>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{paragraphs}\
         <p><a href=\"{href}\">{label}</a></p></body></html>",
        href = escape(link),
        label = escape(label),
    );
    Email { to: vec![to.to_owned()], subject, html, text, ..Email::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_links_in_the_accounts_language() {
        let id = render_notice(3, "2027-01-05", "https://s.example/#/gallery", "a@b.co", "id");
        let en = render_notice(1, "2027-01-05", "https://s.example/#/gallery", "a@b.co", "en");
        assert_eq!(id.subject, "3 gambar Anda akan dihapus mulai 2027-01-05");
        assert_eq!(en.subject, "1 of your images will be deleted on 2027-01-05");
        assert!(id.text.contains("https://s.example/#/gallery") && en.html.contains("https://s.example/#/gallery"));
        assert!(en.text.contains("favourite") && id.text.contains("koleksi"));
    }
}
