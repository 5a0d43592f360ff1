//! Every form of a message's body, and an HTML draft with an inline image.
//!
//! `cargo run --example bodies [-- FILE.msg]`: prints what `body()` chose
//! (MS-OXBBODY) and the text, HTML and RTF forms of FILE (of a built-in
//! draft without one); then writes `draft.msg` in a temporary folder: an
//! HTML draft with an inline image that Outlook opens as a draft, and shows
//! its HTML with the image resolved as a data URI.

use oxmsg::{Body, Draft, InlineImages, Session};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::new();
    let dir = tempfile::tempdir()?;

    // An HTML draft with an inline image (a 1x1 PNG).
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1,
        8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF,
        0xC0, 0xF0, 0x1F, 0, 5, 0, 1, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42,
        0x60, 0x82,
    ];
    let draft_path = dir.path().join("draft.msg");
    Draft::new("Quarterly figures")
        .to("Bob Example", "bob@example.com")
        .html("<html><body><p>Hello Bob,</p><p>the figures: <img src=\"cid:dot@example\"></p></body></html>")
        .inline_image("dot@example", "dot.png", "image/png", png)
        .save_as(&session, &draft_path)?;
    println!("wrote {}", draft_path.display());

    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or(draft_path);
    let msg = session.opener().path(&path)?;
    match msg.body()? {
        Some(Body::Html(h)) => println!("best body: HTML, {} characters", h.len()),
        Some(Body::Text(t)) => println!("best body: text, {} characters", t.len()),
        Some(Body::Rtf(r)) => println!("best body: RTF, {} bytes", r.len()),
        None => println!("no body"),
    }
    if let Some(text) = msg.body_text()? {
        println!("--- text ---\n{}", text.trim());
    }
    if let Some(rtf) = msg.body_rtf()? {
        println!("--- RTF: {} bytes, {:?}", rtf.len(), oxmsg::body::rtf_kind(&rtf));
    }
    if let Some(html) = msg.body_html_with_inline_images(&InlineImages::DataUri)? {
        let shown: String = html.chars().take(300).collect();
        println!("--- HTML with inline images as data URIs ---\n{shown}");
    }
    Ok(())
}
