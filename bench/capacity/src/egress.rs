//! What the browser downloads for a gallery page and an image view: the API's JSON plus the
//! derivative each `<img srcset>` picks (public/js/widgets/card.js, screens/image.js), on a
//! desktop and a phone screen; and the app shell the service worker precaches (public/sw.js).

use serde_json::Value;

use crate::step::fetch_len;

/// A screen: its name, CSS width and device pixel ratio.
pub struct Screen {
    pub name: &'static str,
    pub width: f64,
    pub dpr: f64,
}

pub const SCREENS: [Screen; 2] = [
    Screen { name: "desktop 1280 px, DPR 1", width: 1280.0, dpr: 1.0 },
    Screen { name: "phone 390 px, DPR 3", width: 390.0, dpr: 3.0 },
];

impl Screen {
    /// The grid card's slot in CSS px: `(min-width: 1100px) 260px, (min-width: 700px) 33vw, 50vw`.
    pub fn card_slot(&self) -> f64 {
        if self.width >= 1100.0 {
            260.0
        } else if self.width >= 700.0 {
            self.width * 0.33
        } else {
            self.width * 0.5
        }
    }

    /// The viewer's slot: `(min-width: 960px) 60vw, 100vw`.
    pub fn view_slot(&self) -> f64 {
        if self.width >= 960.0 { self.width * 0.6 } else { self.width }
    }
}

/// The derivative a browser takes from `srcset` for a slot needing `pixels` device pixels: the
/// narrowest at least that wide, else the widest (the selection Chromium makes for `w`
/// descriptors, without its cache preferences). Returns (width, signed URL).
pub fn pick(image: &Value, pixels: f64) -> Option<(u64, String)> {
    let mut sizes: Vec<(u64, String)> = image["urls"]["derivatives"]
        .as_array()?
        .iter()
        .filter_map(|d| Some((d["width"].as_u64()?, d["url"].as_str()?.to_owned())))
        .collect();
    sizes.sort();
    let fit = sizes.iter().find(|(w, _)| *w as f64 >= pixels).or(sizes.last())?;
    Some(fit.clone())
}

/// Bytes of the images a page of `items` loads in `slot` CSS px on `screen`, and the widths taken.
pub async fn images_for(
    http: &reqwest::Client,
    items: &[Value],
    pixels: f64,
) -> Result<(u64, std::collections::BTreeMap<u64, usize>), String> {
    let mut total = 0;
    let mut widths = std::collections::BTreeMap::new();
    for item in items {
        let (width, url) = pick(item, pixels).ok_or("an image without derivative URLs")?;
        total += fetch_len(http, &url).await?;
        *widths.entry(width).or_insert(0) += 1;
    }
    Ok((total, widths))
}

/// The files sw.js precaches (its `PRECACHE` list) plus sw.js itself, and their bytes as served.
pub async fn shell(http: &reqwest::Client, base: &str) -> Result<(usize, u64), String> {
    let sw = std::fs::read_to_string(studio_local::pg::repo_root().join("public/sw.js")).map_err(|e| e.to_string())?;
    let list =
        sw.split("const PRECACHE = [").nth(1).and_then(|rest| rest.split("];").next()).ok_or("no PRECACHE in sw.js")?;
    let mut paths: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
    paths.push("/sw.js");
    let mut total = 0;
    for path in &paths {
        total += fetch_len(http, &format!("{base}{path}")).await?;
    }
    Ok((paths.len(), total))
}
