//! Luma SSIM (Wang et al. 2004) between two RGB images of one size: how the stored original's
//! quality is held to "visually lossless" in tests and in `bench/thumbs`.
//!
//! The same measure as the shared benchmark's `quality.py`, so figures compare: BT.601 luma from
//! 8-bit RGB, an 11-tap Gaussian window with σ = 1.5 applied separably over the valid region only
//! (no padding), the usual constants for a 255 range, and the mean of the SSIM map.

const TAPS: usize = 11;
const SIGMA: f64 = 1.5;

/// SSIM of the luma of `a` and `b`, tightly packed 8-bit RGB of `width`×`height`; 1.0 when equal.
/// Images smaller than the window in either side compare by equality alone.
pub fn luma_ssim(a: &[u8], b: &[u8], width: u32, height: u32) -> f64 {
    let (w, h) = (width as usize, height as usize);
    assert!(a.len() == w * h * 3 && b.len() == a.len(), "RGB buffers do not match the size");
    if w < TAPS || h < TAPS {
        return if a == b { 1.0 } else { 0.0 };
    }
    let (ya, yb) = (luma(a), luma(b));
    let product = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).collect::<Vec<_>>();
    let kernel = gaussian();
    let blur = |plane: &[f64]| filter(plane, w, h, &kernel);
    let (mean_a, mean_b) = (blur(&ya), blur(&yb));
    let (sq_a, sq_b, cross) = (blur(&product(&ya, &ya)), blur(&product(&yb, &yb)), blur(&product(&ya, &yb)));
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let sum: f64 = (0..mean_a.len())
        .map(|i| {
            let (ma, mb) = (mean_a[i], mean_b[i]);
            let (va, vb, cov) = (sq_a[i] - ma * ma, sq_b[i] - mb * mb, cross[i] - ma * mb);
            ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
        })
        .sum();
    sum / mean_a.len() as f64
}

fn luma(rgb: &[u8]) -> Vec<f64> {
    rgb.chunks_exact(3).map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])).collect()
}

fn gaussian() -> [f64; TAPS] {
    let centre = (TAPS / 2) as f64;
    let raw: [f64; TAPS] = std::array::from_fn(|i| (-((i as f64 - centre).powi(2)) / (2.0 * SIGMA * SIGMA)).exp());
    let total: f64 = raw.iter().sum();
    raw.map(|k| k / total)
}

/// The plane filtered along rows then columns, keeping only positions where the window fits:
/// (w − 10) × (h − 10) values.
fn filter(plane: &[f64], w: usize, h: usize, kernel: &[f64; TAPS]) -> Vec<f64> {
    let (ow, oh) = (w - TAPS + 1, h - TAPS + 1);
    let mut rows = vec![0.0; ow * h];
    for y in 0..h {
        let line = &plane[y * w..(y + 1) * w];
        for x in 0..ow {
            rows[y * ow + x] = kernel.iter().zip(&line[x..x + TAPS]).map(|(k, v)| k * v).sum();
        }
    }
    let mut out = vec![0.0; ow * oh];
    for y in 0..oh {
        for (k, weight) in kernel.iter().enumerate() {
            let line = &rows[(y + k) * ow..(y + k + 1) * ow];
            for (o, v) in out[y * ow..(y + 1) * ow].iter_mut().zip(line) {
                *o += weight * v;
            }
        }
    }
    out
}
