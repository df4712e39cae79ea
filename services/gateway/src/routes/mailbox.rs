//! The dev mailbox: every e-mail the shop sent, readable in the browser. Off in production
//! (`--dev-mailbox false`), where it would show customers' mail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use serde::Deserialize;
use tonic::Code;

use crate::{
    error::{AppError, PageError},
    params::PageQuery,
    state::AppState,
    view::{Layout, Pager, encode_query_value},
};

/// A message in the list or on its own page.
#[derive(Debug, Clone)]
pub struct MessageView {
    /// Id.
    pub id: String,
    /// Recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// `mailbox` or `smtp`.
    pub transport: String,
    /// When it was written.
    pub sent_at: String,
}

impl From<bazaar_contracts::notification::EmailMessage> for MessageView {
    fn from(message: bazaar_contracts::notification::EmailMessage) -> Self {
        Self {
            id: message.id,
            recipient: message.recipient,
            subject: message.subject,
            body: message.body_text,
            transport: message.transport,
            sent_at: crate::api::dto::rfc3339(message.created_at_ms)
                .replace('T', " ")
                .chars()
                .take(19)
                .collect(),
        }
    }
}

/// The mailbox page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/mailbox.html")]
pub struct MailboxPage {
    layout: Layout,
    messages: Vec<MessageView>,
    recipient: String,
    pager: Pager,
}

/// The mailbox's filters.
#[derive(Debug, Deserialize)]
pub struct MailboxQuery {
    to: Option<String>,
    page: Option<String>,
}

fn enabled(state: &AppState) -> Result<(), PageError> {
    if state.dev_mailbox {
        Ok(())
    } else {
        Err(PageError(AppError::NotFound("the dev mailbox is off".to_owned())))
    }
}

/// `GET /dev/mailbox?to=&page=`.
///
/// # Errors
/// 404 when the mailbox is off, 503 when notification is down.
pub async fn list(
    State(state): State<AppState>,
    layout: Layout,
    PageQuery(query): PageQuery<MailboxQuery>,
) -> Result<MailboxPage, PageError> {
    enabled(&state)?;
    let page = bazaar_types::Page::from_query(query.page.as_deref(), Some("25"))
        .map_err(|error| AppError::invalid(error.field(), error.to_string()))?;
    let recipient = query.to.unwrap_or_default().trim().to_owned();
    let response = state.clients.mailbox(&recipient, page.into()).await?;
    let info = response.page.unwrap_or_default();
    let to = encode_query_value(&recipient);
    Ok(MailboxPage {
        layout,
        messages: response.messages.into_iter().map(MessageView::from).collect(),
        pager: Pager::new(info.page, info.total_pages, |number| {
            format!("/dev/mailbox?to={to}&page={number}")
        }),
        recipient,
    })
}

/// One message.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/message.html")]
pub struct MessagePage {
    layout: Layout,
    message: MessageView,
}

/// `GET /dev/mailbox/{id}`.
///
/// # Errors
/// 404 for an unknown message or when the mailbox is off.
pub async fn message(
    State(state): State<AppState>,
    layout: Layout,
    Path(id): Path<String>,
) -> Result<MessagePage, PageError> {
    enabled(&state)?;
    let message = state.clients.message(&id).await.map_err(|status| {
        if status.code() == Code::NotFound {
            PageError(AppError::NotFound("no such message".to_owned()))
        } else {
            status.into()
        }
    })?;
    Ok(MessagePage { layout, message: MessageView::from(message) })
}
