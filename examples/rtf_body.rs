//! The RTF body of a .msg (`PR_RTF_COMPRESSED`): decompress it, say what it
//! encapsulates, and print its HTML and text. Without a file, it builds an
//! RTF body from HTML (as RTFSync would) and reads it back.
//!
//! `cargo run --example rtf_body [-- FILE.msg]`
//!
//! The stream is read with `cfb` directly, at the byte level, because
//! `oxmsg::body` is a codec: the message API will offer the best body itself.

use std::io::Read;

use oxmsg::body;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let compressed = match std::env::args_os().nth(1) {
        Some(path) => {
            let mut file = cfb::open(path)?;
            let mut stream = file.open_stream("/__substg1.0_10090102")?;
            let mut bytes = Vec::new();
            stream.read_to_end(&mut bytes)?;
            bytes
        }
        None => {
            let html = "<html><body><p>Hello <b>world</b> &amp; caf\u{e9}</p></body></html>";
            let stream = body::compress(&body::rtf_from_html(html));
            println!("built from {html:?}: {} bytes compressed", stream.len());
            stream
        }
    };
    // A limit on the decompressed size, checked before anything is allocated.
    let rtf = body::decompress(&compressed, 64 << 20)?;
    println!("RTF: {} bytes, {:?}", rtf.len(), body::rtf_kind(&rtf));
    println!("--- HTML ---\n{}", body::html_from_any_rtf(&rtf)?);
    println!("--- text ---\n{}", body::text_from_any_rtf(&rtf)?);
    Ok(())
}
