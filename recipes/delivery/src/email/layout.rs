//! The HTML frame the built-in emails share: a centred card with a heading, the recipe's
//! paragraphs and an optional button, then the app name. Recipes give the parts; this module
//! escapes the plain-text ones and lays them out, so every built-in email looks the same.

use super::escape_html;

/// The parts of a built-in email's HTML body. Text fields are plain text (escaped here);
/// [`body_html`](Self::body_html) is HTML the caller has already escaped.
#[derive(Debug, Clone, Copy)]
pub struct HtmlEmail<'a> {
    /// The app's name, shown under the card.
    pub app_name: &'a str,
    /// The `<title>` of the document.
    pub title: &'a str,
    /// The heading of the card.
    pub heading: &'a str,
    /// The card's content before the closing note, as escaped HTML (see [`paragraph`],
    /// [`link_button`]).
    pub body_html: &'a str,
    /// The small closing note (plain text), e.g. when the link expires.
    pub footnote: &'a str,
}

impl HtmlEmail<'_> {
    /// The whole HTML document.
    pub fn render(&self) -> String {
        let app_html = escape_html(self.app_name);
        let title = escape_html(self.title);
        let heading = escape_html(self.heading);
        let footnote = escape_html(self.footnote);
        let body_html = self.body_html;
        format!(
            r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="margin:0;padding:24px;background:#f6f6f6;font-family:Helvetica,Arial,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="480" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px;padding:32px">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px">{heading}</h1>
{body_html}<p style="margin:0;line-height:1.5;font-size:13px;color:#555">{footnote}</p>
</td></tr></table>
<p style="font-size:12px;color:#999;margin:16px 0 0">{app_html}</p>
</td></tr></table>
</body>
</html>
"#
        )
    }
}

/// One paragraph of plain text, escaped.
pub fn paragraph(text: &str) -> String {
    format!(
        "<p style=\"margin:0 0 16px;line-height:1.5\">{}</p>\n",
        escape_html(text)
    )
}

/// A button to `link` labelled `label`, followed by the link written out for mail clients
/// that do not show buttons.
pub fn link_button(link: &str, label: &str) -> String {
    let link_html = escape_html(link);
    let label = escape_html(label);
    format!(
        "<p style=\"margin:0 0 24px\"><a href=\"{link_html}\" style=\"display:inline-block;background:#ff9933;color:#fff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:bold\">{label}</a></p>\n\
         <p style=\"margin:0 0 16px;line-height:1.5;font-size:13px;color:#555\">If the button does not work, copy this link into your browser:<br><a href=\"{link_html}\" style=\"color:#555;word-break:break-all\">{link_html}</a></p>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_parts_are_escaped_and_body_html_is_kept() {
        let body = format!(
            "{}{}",
            paragraph("a < b"),
            link_button("https://x.test/?a=1&b=2", "Go")
        );
        let html = HtmlEmail {
            app_name: "Acme <Shop>",
            title: "Hi & bye",
            heading: "Heading <h>",
            body_html: &body,
            footnote: "Soon & once",
        }
        .render();
        assert!(html.contains("<title>Hi &amp; bye</title>"));
        assert!(html.contains(">Heading &lt;h&gt;</h1>"));
        assert!(html.contains(">a &lt; b</p>"));
        assert!(html.contains("href=\"https://x.test/?a=1&amp;b=2\""));
        assert!(html.contains(">Go</a>"));
        assert!(html.contains(">Soon &amp; once</p>"));
        assert!(html.contains(">Acme &lt;Shop&gt;</p>"));
        assert!(!html.contains("<Shop>"));
    }
}
