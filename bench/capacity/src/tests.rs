//! The program's own rules checked on fixed inputs: which derivative a `srcset` slot takes, how
//! `INFO commandstats` is read and subtracted, and the aspect ratio a model PNG is asked for.

use std::collections::BTreeMap;

use serde_json::json;

use crate::egress::{SCREENS, pick};
use crate::meter::{commands_between, parse_commandstats};
use crate::session::ratio_of;

fn image(widths: &[u64]) -> serde_json::Value {
    let derivatives: Vec<_> =
        widths.iter().map(|w| json!({ "width": w, "url": format!("http://x/w{w}.webp?token=t") })).collect();
    json!({ "urls": { "derivatives": derivatives } })
}

#[test]
fn a_slot_takes_the_narrowest_size_at_least_as_wide_else_the_widest() {
    let square = image(&[800, 150, 300]);
    assert_eq!(pick(&square, 260.0).map(|p| p.0), Some(300));
    assert_eq!(pick(&square, 300.0).map(|p| p.0), Some(300));
    assert_eq!(pick(&square, 585.0).map(|p| p.0), Some(800));
    // A portrait 768 px wide has no 800 px size: a 1170 px slot gets the widest there is.
    assert_eq!(pick(&image(&[150, 300]), 1170.0).map(|p| p.0), Some(300));
    assert_eq!(pick(&image(&[]), 100.0), None);
}

#[test]
fn the_app_s_sizes_attributes_give_these_slots() {
    let (desktop, phone) = (&SCREENS[0], &SCREENS[1]);
    assert_eq!((desktop.card_slot(), desktop.view_slot()), (260.0, 768.0));
    assert_eq!((phone.card_slot() * phone.dpr, phone.view_slot() * phone.dpr), (585.0, 1170.0));
}

#[test]
fn commandstats_are_read_and_the_stand_in_s_own_commands_left_out() {
    let before = parse_commandstats(
        "# Commandstats\r\ncmdstat_get:calls=2,usec=5,usec_per_call=2.50\r\ncmdstat_info:calls=1,usec=9\r\n",
    );
    assert_eq!(before, BTreeMap::from([("get".to_owned(), 2), ("info".to_owned(), 1)]));
    let after = parse_commandstats(
        "cmdstat_get:calls=3,usec=7\r\ncmdstat_incrby:calls=1,usec=1\r\ncmdstat_info:calls=2,usec=9\r\ncmdstat_select:calls=4,usec=1\r\ncmdstat_exec:calls=1,usec=1",
    );
    let between = commands_between(&before, &after);
    assert_eq!(between, BTreeMap::from([("get".to_owned(), 1), ("incrby".to_owned(), 1)]));
}

#[test]
fn a_model_png_is_asked_for_at_the_ratio_of_its_header() {
    let png = |w: u32, h: u32| {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.extend(w.to_be_bytes());
        bytes.extend(h.to_be_bytes());
        bytes
    };
    assert_eq!(ratio_of(&png(1024, 1024)), "1:1");
    assert_eq!(ratio_of(&png(1344, 768)), "16:9");
    assert_eq!(ratio_of(&png(768, 1344)), "9:16");
}
