//! The mailbox RPCs.

use bazaar_contracts::{
    convert,
    notification::{self as pb, notification_service_server::NotificationService},
};
use bazaar_platform::db::Db;
use bazaar_types::FieldErrors;
use tonic::{Request, Response, Status};

use crate::{error::Error, store};

/// The `NotificationService` implementation.
#[derive(Debug, Clone)]
pub struct NotificationGrpc {
    db: Db,
}

impl NotificationGrpc {
    /// Builds the handlers.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn to_proto(message: store::Message) -> pb::EmailMessage {
    pb::EmailMessage {
        id: message.id,
        recipient: message.recipient,
        subject: message.subject,
        body_text: message.body_text,
        kind: message.kind,
        transport: message.transport,
        created_at_ms: message.created_at,
    }
}

#[tonic::async_trait]
impl NotificationService for NotificationGrpc {
    async fn list_messages(
        &self,
        request: Request<pb::ListMessagesRequest>,
    ) -> Result<Response<pb::ListMessagesResponse>, Status> {
        let request = request.into_inner();
        let page = convert::page(request.page.as_ref()).map_err(|error| {
            bazaar_platform::grpc::invalid_argument(&FieldErrors::single("page", error.to_string()))
        })?;
        let recipient = request.recipient.trim().to_lowercase();
        let (messages, total) =
            store::list(&self.db, (!recipient.is_empty()).then_some(recipient.as_str()), page)
                .await
                .map_err(Error::from)?;
        Ok(Response::new(pb::ListMessagesResponse {
            messages: messages.into_iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }

    async fn get_message(
        &self,
        request: Request<pb::GetMessageRequest>,
    ) -> Result<Response<pb::GetMessageResponse>, Status> {
        let message = store::get(&self.db, &request.into_inner().message_id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        Ok(Response::new(pb::GetMessageResponse { message: Some(to_proto(message)) }))
    }
}
