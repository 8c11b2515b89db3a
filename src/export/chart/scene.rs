//! A chart as a list of drawing operations in pixels, painted on any
//! plotters backend: the layout is computed once, then the same scene
//! becomes the SVG and the PNG, so the two never differ.
//!
//! Text is set in DejaVu Sans, embedded in the binary (the `dejavu`
//! crate) and registered with plotters' ab_glyph renderer under the name
//! `sans-serif`: the PNG needs no system font, and the SVG names the
//! generic family every viewer has.

use std::sync::Once;

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle};

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Left edge, vertically centred.
    Left,
    /// Centre, vertically centred.
    Centre,
    /// Right edge, vertically centred.
    Right,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A filled rectangle, `[x0, x1) × [y0, y1)`.
    Rect {
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        fill: Rgb,
    },
    Line {
        from: (i32, i32),
        to: (i32, i32),
        stroke: Rgb,
    },
    Poly {
        points: Vec<(i32, i32)>,
        fill: Rgb,
    },
    Circle {
        centre: (i32, i32),
        radius: i32,
        fill: Rgb,
    },
    Text {
        at: (i32, i32),
        text: String,
        size: f64,
        bold: bool,
        color: Rgb,
        anchor: Anchor,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub ops: Vec<Op>,
}

impl Scene {
    pub fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, fill: Rgb) {
        self.ops.push(Op::Rect {
            x0,
            y0,
            x1,
            y1,
            fill,
        });
    }

    pub fn line(&mut self, from: (i32, i32), to: (i32, i32), stroke: Rgb) {
        self.ops.push(Op::Line { from, to, stroke });
    }

    pub fn text(&mut self, at: (i32, i32), text: &str, size: f64, color: Rgb, anchor: Anchor) {
        self.push_text(at, text, size, false, color, anchor);
    }

    pub fn bold(&mut self, at: (i32, i32), text: &str, size: f64, color: Rgb, anchor: Anchor) {
        self.push_text(at, text, size, true, color, anchor);
    }

    fn push_text(
        &mut self,
        at: (i32, i32),
        text: &str,
        size: f64,
        bold: bool,
        color: Rgb,
        anchor: Anchor,
    ) {
        self.ops.push(Op::Text {
            at,
            text: text.to_string(),
            size,
            bold,
            color,
            anchor,
        });
    }
}

const FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fonts = [
            (FontStyle::Normal, dejavu::sans::regular()),
            (FontStyle::Bold, dejavu::sans::bold()),
        ];
        for (style, bytes) in fonts {
            if plotters::style::register_font(FAMILY, style, bytes).is_err() {
                panic!("the embedded DejaVu Sans font is invalid");
            }
        }
    });
}

fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FAMILY), size, style)
}

/// The width in pixels of `text` set at `size`.
pub fn text_width(text: &str, size: f64, bold: bool) -> i32 {
    register_fonts();
    font(size, bold).box_size(text).map_or(
        text.chars().count() as i32 * size as i32 * 6 / 10,
        |(w, _)| w as i32,
    )
}

/// `text`, shortened with `…` until it fits in `max_px`.
pub fn fit(text: &str, size: f64, bold: bool, max_px: i32) -> String {
    if text_width(text, size, bold) <= max_px {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for keep in (0..chars.len()).rev() {
        let s: String = chars[..keep].iter().collect::<String>() + "…";
        if text_width(&s, size, bold) <= max_px {
            return s;
        }
    }
    String::new()
}

/// `text` with its middle replaced by `…` until it fits in `max_px`.
pub fn fit_middle(text: &str, size: f64, max_px: i32) -> String {
    if text_width(text, size, false) <= max_px {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for drop in 1..chars.len() {
        let head = (chars.len() - drop) * 2 / 5;
        let tail = chars.len() - drop - head;
        let s: String = chars[..head]
            .iter()
            .chain(std::iter::once(&'…'))
            .chain(&chars[chars.len() - tail..])
            .collect();
        if text_width(&s, size, false) <= max_px {
            return s;
        }
    }
    String::new()
}

fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Paints the scene on a drawing area of the scene's size.
pub fn paint<DB: DrawingBackend>(
    scene: &Scene,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    register_fonts();
    root.fill(&WHITE)?;
    for op in &scene.ops {
        match op {
            Op::Rect {
                x0,
                y0,
                x1,
                y1,
                fill,
            } => root.draw(&Rectangle::new(
                [(*x0, *y0), (*x1, *y1)],
                color(*fill).filled(),
            ))?,
            Op::Line { from, to, stroke } => {
                root.draw(&PathElement::new(vec![*from, *to], color(*stroke)))?
            }
            Op::Poly { points, fill } => {
                root.draw(&Polygon::new(points.clone(), color(*fill).filled()))?
            }
            Op::Circle {
                centre,
                radius,
                fill,
            } => root.draw(&Circle::new(*centre, *radius, color(*fill).filled()))?,
            Op::Text {
                at,
                text,
                size,
                bold,
                color: c,
                anchor,
            } => {
                let h = match anchor {
                    Anchor::Left => HPos::Left,
                    Anchor::Centre => HPos::Center,
                    Anchor::Right => HPos::Right,
                };
                let style = font(*size, *bold)
                    .color(&color(*c))
                    .pos(Pos::new(h, VPos::Center));
                root.draw_text(text, &style, *at)?
            }
        }
    }
    root.present()
}

/// The scene as an SVG document.
pub fn to_svg(scene: &Scene) -> String {
    let mut out = String::new();
    {
        let backend = SVGBackend::with_string(&mut out, (scene.width, scene.height));
        let root = backend.into_drawing_area();
        paint(scene, &root).expect("drawing into a string cannot fail");
    }
    out.push('\n');
    out
}

/// The scene as a PNG image (RGB, 8 bits per channel).
pub fn to_png(scene: &Scene) -> Vec<u8> {
    let (w, h) = (scene.width, scene.height);
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut pixels, (w, h));
        let root = backend.into_drawing_area();
        paint(scene, &root).expect("drawing into a buffer cannot fail");
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder
        .write_header()
        .expect("a PNG header always encodes into memory");
    writer
        .write_image_data(&pixels)
        .expect("the pixel buffer has the image's size");
    writer.finish().expect("a PNG always encodes into memory");
    out
}
