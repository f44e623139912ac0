//! The retention notice: an owner's images that are deleted soon, how many and between which dates,
//! with a link to the gallery, in Indonesian or English by the account's locale.

use super::Email;
use super::messages::{escape, pick};

/// `count` images of the account at `to` are deleted between `dates` (first and last, `YYYY-MM-DD`,
/// UTC; equal when they all go on one day); `link` opens the gallery.
pub fn render_notice(count: u64, dates: (&str, &str), link: &str, to: &str, locale: &str) -> Email {
    let id = locale == "id";
    let (first, last) = dates;
    let subject = match (id, first == last) {
        (true, true) => format!("{count} gambar Anda akan dihapus pada {first}"),
        (true, false) => format!("{count} gambar Anda akan dihapus antara {first} dan {last}"),
        (false, true) if count == 1 => format!("1 of your images will be deleted on {first}"),
        (false, true) => format!("{count} of your images will be deleted on {first}"),
        (false, false) => format!("{count} of your images will be deleted between {first} and {last}"),
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
            "Galeri menampilkan tanggal hapus setiap gambar. Untuk menyimpan gambar, jadikan favorit atau masukkan \
             ke koleksi sebelum tanggal itu:",
            "The gallery shows when each image is deleted. To keep an image, make it a favourite or add it to a \
             collection before then:",
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

    const LINK: &str = "https://s.example/#/gallery";

    #[test]
    fn counts_dates_and_links_in_the_accounts_language() {
        let id = render_notice(3, ("2027-01-05", "2027-01-18"), LINK, "a@b.co", "id");
        let en = render_notice(3, ("2027-01-05", "2027-01-18"), LINK, "a@b.co", "en");
        assert_eq!(id.subject, "3 gambar Anda akan dihapus antara 2027-01-05 dan 2027-01-18");
        assert_eq!(en.subject, "3 of your images will be deleted between 2027-01-05 and 2027-01-18");
        assert!(id.text.contains(LINK) && en.html.contains(LINK));
        assert!(en.text.contains("favourite") && id.text.contains("koleksi"));
    }

    #[test]
    fn one_day_is_named_once() {
        let one = render_notice(1, ("2027-01-05", "2027-01-05"), LINK, "a@b.co", "en");
        let two = render_notice(2, ("2027-01-05", "2027-01-05"), LINK, "a@b.co", "en");
        let id = render_notice(2, ("2027-01-05", "2027-01-05"), LINK, "a@b.co", "id");
        assert_eq!(one.subject, "1 of your images will be deleted on 2027-01-05");
        assert_eq!(two.subject, "2 of your images will be deleted on 2027-01-05");
        assert_eq!(id.subject, "2 gambar Anda akan dihapus pada 2027-01-05");
    }
}
