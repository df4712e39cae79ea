//! Typed calls to the services. Reads are idempotent and retried while an upstream is briefly
//! unavailable; writes are not retried (they carry idempotency keys where a retry could double).
//! Calls made for a user carry their bearer token, so services check it themselves.

use std::{collections::HashMap, sync::Arc, time::Duration};

use bazaar_contracts::{
    cart::{self as cart_pb, cart_service_client::CartServiceClient},
    catalog::{self as catalog_pb, catalog_service_client::CatalogServiceClient},
    common,
    identity::{self as identity_pb, identity_service_client::IdentityServiceClient},
    inventory::{self as inventory_pb, inventory_service_client::InventoryServiceClient},
    notification::{
        self as notification_pb, notification_service_client::NotificationServiceClient,
    },
    orders::{self as orders_pb, orders_service_client::OrdersServiceClient},
    recommendation::{
        self as recommendation_pb, recommendation_service_client::RecommendationServiceClient,
    },
    shipping::{self as shipping_pb, shipping_service_client::ShippingServiceClient},
};
use bazaar_platform::grpc::{Channel, connect, retry_idempotent, with_bearer};
use tonic::{Response, Status};

use crate::{Config, session::Visitor, state::Cached};

/// Clients of every service the gateway calls.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Catalog.
    pub catalog: CatalogServiceClient<Channel>,
    /// Identity.
    pub identity: IdentityServiceClient<Channel>,
    /// Cart.
    pub cart: CartServiceClient<Channel>,
    /// Inventory.
    pub inventory: InventoryServiceClient<Channel>,
    /// Orders.
    pub orders: OrdersServiceClient<Channel>,
    /// Shipping.
    pub shipping: ShippingServiceClient<Channel>,
    /// Recommendation.
    pub recommendation: RecommendationServiceClient<Channel>,
    /// Notification.
    pub notification: NotificationServiceClient<Channel>,
    categories: Arc<Cached<Vec<catalog_pb::Category>>>,
    cache: ReadCache,
}

/// Short-lived copies of what every page reads, so a popular page costs no upstream call at all:
/// the catalogue for two seconds, shoppers' stock badges for one, recommendations for ten.
/// Concurrent misses for one key make one call. Errors are never cached. What must be exact
/// (checkout, carts, admin figures) never reads from here.
#[derive(Debug, Clone)]
struct ReadCache {
    products: moka::future::Cache<String, catalog_pb::Product>,
    lists: moka::future::Cache<Vec<u8>, catalog_pb::ListProductsResponse>,
    by_ids: moka::future::Cache<Vec<String>, Vec<catalog_pb::Product>>,
    stock: moka::future::Cache<Vec<String>, HashMap<String, inventory_pb::StockLevel>>,
    recommendations: moka::future::Cache<(Vec<String>, u32), Recommended>,
}

/// Recommended products with the reason for each.
type Recommended = Vec<(catalog_pb::Product, String)>;

impl ReadCache {
    fn new() -> Self {
        fn cache<K, V>(seconds: u64) -> moka::future::Cache<K, V>
        where
            K: std::hash::Hash + Eq + Send + Sync + 'static,
            V: Clone + Send + Sync + 'static,
        {
            moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(std::time::Duration::from_secs(seconds))
                .build()
        }
        Self {
            products: cache(2),
            lists: cache(2),
            by_ids: cache(2),
            stock: cache(1),
            recommendations: cache(10),
        }
    }
}

/// Unwraps the error of a coalesced load.
fn shared(status: Arc<Status>) -> Status {
    Arc::unwrap_or_clone(status)
}

impl Clients {
    /// Builds lazily connected clients; nothing is contacted yet.
    ///
    /// # Errors
    /// When a URL does not parse.
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let timeout = config.common.request_timeout;
        Ok(Self {
            catalog: CatalogServiceClient::new(connect(&config.catalog_url, timeout)?),
            identity: IdentityServiceClient::new(connect(&config.identity_url, timeout)?),
            cart: CartServiceClient::new(connect(&config.cart_url, timeout)?),
            inventory: InventoryServiceClient::new(connect(&config.inventory_url, timeout)?),
            orders: OrdersServiceClient::new(connect(&config.orders_url, timeout)?),
            shipping: ShippingServiceClient::new(connect(&config.shipping_url, timeout)?),
            // Recommendations are a nicety: a slow recommendation service must not slow pages.
            recommendation: RecommendationServiceClient::new(connect(
                &config.recommendation_url,
                Duration::from_millis(500).min(timeout),
            )?),
            notification: NotificationServiceClient::new(connect(
                &config.notification_url,
                timeout,
            )?),
            categories: Arc::new(Cached::new(Duration::from_secs(30))),
            cache: ReadCache::new(),
        })
    }
}

/// Runs an idempotent call with retries and unwraps the response.
async fn read<C, T, F, Fut>(client: &C, call: F) -> Result<T, Status>
where
    C: Clone,
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<Response<T>, Status>>,
{
    retry_idempotent(|| call(client.clone())).await.map(Response::into_inner)
}

/// Wraps a cart request for a visitor: their token, or their anonymous cart id.
fn for_visitor<T>(message: T, visitor: &Visitor) -> tonic::Request<T> {
    with_bearer(message, visitor.token())
}

impl Clients {
    /// Returns every category (cached for 30 seconds; a stale list is used while catalog is down).
    ///
    /// # Errors
    /// The catalog's status when it fails and nothing was cached.
    pub async fn categories(&self) -> Result<Arc<Vec<catalog_pb::Category>>, Status> {
        if let Some(categories) = self.categories.get() {
            return Ok(categories);
        }
        match read(&self.catalog, |mut c| async move {
            c.list_categories(catalog_pb::ListCategoriesRequest {}).await
        })
        .await
        {
            Ok(response) => Ok(self.categories.put(response.categories)),
            Err(status) => self.categories.get_stale().ok_or(status),
        }
    }

    /// Lists products.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn list_products(
        &self,
        request: catalog_pb::ListProductsRequest,
    ) -> Result<catalog_pb::ListProductsResponse, Status> {
        let key = prost::Message::encode_to_vec(&request);
        let fetch = read(&self.catalog, move |mut c| {
            let request = request.clone();
            async move { c.list_products(request).await }
        });
        Box::pin(self.cache.lists.try_get_with(key, fetch)).await.map_err(shared)
    }

    /// Searches products.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn search_products(
        &self,
        request: catalog_pb::SearchProductsRequest,
    ) -> Result<catalog_pb::SearchProductsResponse, Status> {
        read(&self.catalog, |mut c| {
            let request = request.clone();
            async move { c.search_products(request).await }
        })
        .await
    }

    /// Returns one product by id or slug (whichever `key` looks like).
    ///
    /// # Errors
    /// `NOT_FOUND` when there is none; the catalog's status otherwise.
    pub async fn product(&self, key: &str) -> Result<catalog_pb::Product, Status> {
        Box::pin(self.cache.products.try_get_with(key.to_owned(), self.fetch_product(key)))
            .await
            .map_err(shared)
    }

    async fn fetch_product(&self, key: &str) -> Result<catalog_pb::Product, Status> {
        let key = if uuid::Uuid::try_parse(key).is_ok() {
            catalog_pb::get_product_request::Key::Id(key.to_owned())
        } else {
            catalog_pb::get_product_request::Key::Slug(key.to_owned())
        };
        let response = read(&self.catalog, |mut c| {
            let key = key.clone();
            async move { c.get_product(catalog_pb::GetProductRequest { key: Some(key) }).await }
        })
        .await?;
        response.product.ok_or_else(|| Status::internal("catalog returned no product"))
    }

    /// Returns the products with these ids that exist, in order.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn products_by_id(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<catalog_pb::Product>, Status> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let fetch = read(&self.catalog, {
            let ids = ids.clone();
            move |mut c| {
                let ids = ids.clone();
                async move { c.batch_get_products(catalog_pb::BatchGetProductsRequest { ids }).await }
            }
        });
        let fetch = async move { fetch.await.map(|response| response.products) };
        Box::pin(self.cache.by_ids.try_get_with(ids, fetch)).await.map_err(shared)
    }

    /// Returns a product's image.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn product_image(
        &self,
        product_id: &str,
    ) -> Result<catalog_pb::GetProductImageResponse, Status> {
        read(&self.catalog, |mut c| {
            let product_id = product_id.to_owned();
            async move { c.get_product_image(catalog_pb::GetProductImageRequest { product_id }).await }
        })
        .await
    }

    /// Returns the stock of these products as shoppers see it on pages: at most a second old.
    ///
    /// # Errors
    /// Inventory's status.
    pub async fn stock_for_display(
        &self,
        mut product_ids: Vec<String>,
    ) -> Result<HashMap<String, inventory_pb::StockLevel>, Status> {
        product_ids.sort_unstable();
        product_ids.dedup();
        Box::pin(self.cache.stock.try_get_with(product_ids.clone(), self.stock(product_ids)))
            .await
            .map_err(shared)
    }

    /// Returns the stock of these products, by product id, as it is now.
    ///
    /// # Errors
    /// Inventory's status.
    pub async fn stock(
        &self,
        product_ids: Vec<String>,
    ) -> Result<HashMap<String, inventory_pb::StockLevel>, Status> {
        if product_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let response = read(&self.inventory, |mut c| {
            let product_ids = product_ids.clone();
            async move { c.get_stock(inventory_pb::GetStockRequest { product_ids }).await }
        })
        .await?;
        Ok(response.levels.into_iter().map(|level| (level.product_id.clone(), level)).collect())
    }

    /// Sets a product's stock on hand (the token must be an admin's).
    ///
    /// # Errors
    /// Inventory's status.
    pub async fn set_stock(
        &self,
        token: &str,
        product_id: &str,
        on_hand: i64,
    ) -> Result<inventory_pb::StockLevel, Status> {
        let request = inventory_pb::SetStockRequest { product_id: product_id.to_owned(), on_hand };
        let response =
            self.inventory.clone().set_stock(with_bearer(request, Some(token))).await?.into_inner();
        // Shoppers see the new figure at once, from this gateway at least.
        self.cache.stock.invalidate_all();
        response.level.ok_or_else(|| Status::internal("inventory returned no level"))
    }

    /// Tells whether a session is live.
    ///
    /// # Errors
    /// Identity's status.
    pub async fn session_is_live(&self, session_id: &str) -> Result<bool, Status> {
        let response = read(&self.identity, |mut c| {
            let session_id = session_id.to_owned();
            async move { c.check_session(identity_pb::CheckSessionRequest { session_id }).await }
        })
        .await?;
        Ok(response.active)
    }

    /// Issues a fresh token for the session of an expired one.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` when the session ended; identity's status otherwise.
    pub async fn refresh_session(&self, token: &str) -> Result<identity_pb::Session, Status> {
        let request = identity_pb::RefreshSessionRequest { token: token.to_owned() };
        let response = self.identity.clone().refresh_session(request).await?.into_inner();
        response.session.ok_or_else(|| Status::internal("identity returned no session"))
    }

    /// Creates an account and signs it in.
    ///
    /// # Errors
    /// Identity's status (`INVALID_ARGUMENT` with field errors, `ALREADY_EXISTS`).
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<identity_pb::SignUpResponse, Status> {
        let request = identity_pb::SignUpRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            name: name.to_owned(),
        };
        Ok(self.identity.clone().sign_up(request).await?.into_inner())
    }

    /// Signs in.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` for wrong credentials, `RESOURCE_EXHAUSTED` while throttled.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client_address: &str,
    ) -> Result<identity_pb::SignInResponse, Status> {
        let request = identity_pb::SignInRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            client_address: client_address.to_owned(),
        };
        Ok(self.identity.clone().sign_in(request).await?.into_inner())
    }

    /// Revokes the session of a token.
    ///
    /// # Errors
    /// Identity's status.
    pub async fn sign_out(&self, token: &str) -> Result<(), Status> {
        self.identity
            .clone()
            .sign_out(with_bearer(identity_pb::SignOutRequest {}, Some(token)))
            .await?;
        Ok(())
    }

    /// Returns the caller's profile.
    ///
    /// # Errors
    /// Identity's status.
    pub async fn profile(&self, token: &str) -> Result<identity_pb::User, Status> {
        let response = read(&self.identity, |mut c| async move {
            c.get_profile(with_bearer(identity_pb::GetProfileRequest {}, Some(token))).await
        })
        .await?;
        response.user.ok_or_else(|| Status::internal("identity returned no user"))
    }

    /// Renames the caller.
    ///
    /// # Errors
    /// Identity's status.
    pub async fn update_profile(
        &self,
        token: &str,
        name: &str,
    ) -> Result<identity_pb::User, Status> {
        let request =
            with_bearer(identity_pb::UpdateProfileRequest { name: name.to_owned() }, Some(token));
        let response = self.identity.clone().update_profile(request).await?.into_inner();
        response.user.ok_or_else(|| Status::internal("identity returned no user"))
    }

    /// Lists the caller's addresses.
    ///
    /// # Errors
    /// Identity's status.
    pub async fn addresses(&self, token: &str) -> Result<Vec<identity_pb::StoredAddress>, Status> {
        let response = read(&self.identity, |mut c| async move {
            c.list_addresses(with_bearer(identity_pb::ListAddressesRequest {}, Some(token))).await
        })
        .await?;
        Ok(response.addresses)
    }

    /// Saves an address for the caller.
    ///
    /// # Errors
    /// Identity's status.
    pub async fn add_address(
        &self,
        token: &str,
        address: common::Address,
    ) -> Result<identity_pb::StoredAddress, Status> {
        let request =
            with_bearer(identity_pb::AddAddressRequest { address: Some(address) }, Some(token));
        let response = self.identity.clone().add_address(request).await?.into_inner();
        response.address.ok_or_else(|| Status::internal("identity returned no address"))
    }

    /// Deletes one of the caller's addresses.
    ///
    /// # Errors
    /// `NOT_FOUND` when it is not theirs.
    pub async fn delete_address(&self, token: &str, address_id: &str) -> Result<(), Status> {
        let request = with_bearer(
            identity_pb::DeleteAddressRequest { address_id: address_id.to_owned() },
            Some(token),
        );
        self.identity.clone().delete_address(request).await?;
        Ok(())
    }

    /// Returns the visitor's priced cart.
    ///
    /// # Errors
    /// The cart's status.
    pub async fn cart(&self, visitor: &Visitor) -> Result<cart_pb::Cart, Status> {
        let anonymous_id = visitor.anonymous_id.clone().unwrap_or_default();
        let response = read(&self.cart, |mut c| {
            let request = for_visitor(
                cart_pb::GetCartRequest { anonymous_id: anonymous_id.clone(), unpriced: false },
                visitor,
            );
            async move { c.get_cart(request).await }
        })
        .await?;
        response.cart.ok_or_else(|| Status::internal("cart returned no cart"))
    }

    /// Counts the items in the visitor's cart.
    ///
    /// # Errors
    /// The cart's status.
    pub async fn cart_count(&self, visitor: &Visitor) -> Result<i64, Status> {
        let anonymous_id = visitor.anonymous_id.clone().unwrap_or_default();
        let response = read(&self.cart, |mut c| {
            let request = for_visitor(
                cart_pb::CountItemsRequest { anonymous_id: anonymous_id.clone() },
                visitor,
            );
            async move { c.count_items(request).await }
        })
        .await?;
        Ok(response.item_count)
    }

    /// Adds units of a product to the visitor's cart.
    ///
    /// # Errors
    /// The cart's status (`NOT_FOUND`, `INVALID_ARGUMENT`).
    pub async fn add_to_cart(
        &self,
        visitor: &Visitor,
        product_id: &str,
        quantity: i64,
    ) -> Result<cart_pb::Cart, Status> {
        let request = cart_pb::AddItemRequest {
            anonymous_id: visitor.anonymous_id.clone().unwrap_or_default(),
            product_id: product_id.to_owned(),
            quantity,
        };
        let response =
            self.cart.clone().add_item(for_visitor(request, visitor)).await?.into_inner();
        response.cart.ok_or_else(|| Status::internal("cart returned no cart"))
    }

    /// Sets a line's quantity in the visitor's cart.
    ///
    /// # Errors
    /// The cart's status.
    pub async fn set_cart_quantity(
        &self,
        visitor: &Visitor,
        product_id: &str,
        quantity: i64,
    ) -> Result<cart_pb::Cart, Status> {
        let request = cart_pb::SetItemQuantityRequest {
            anonymous_id: visitor.anonymous_id.clone().unwrap_or_default(),
            product_id: product_id.to_owned(),
            quantity,
        };
        let response =
            self.cart.clone().set_item_quantity(for_visitor(request, visitor)).await?.into_inner();
        response.cart.ok_or_else(|| Status::internal("cart returned no cart"))
    }

    /// Removes a line from the visitor's cart.
    ///
    /// # Errors
    /// The cart's status.
    pub async fn remove_from_cart(
        &self,
        visitor: &Visitor,
        product_id: &str,
    ) -> Result<cart_pb::Cart, Status> {
        let request = cart_pb::RemoveItemRequest {
            anonymous_id: visitor.anonymous_id.clone().unwrap_or_default(),
            product_id: product_id.to_owned(),
        };
        let response =
            self.cart.clone().remove_item(for_visitor(request, visitor)).await?.into_inner();
        response.cart.ok_or_else(|| Status::internal("cart returned no cart"))
    }

    /// Moves an anonymous cart into the signed-in user's cart.
    ///
    /// # Errors
    /// The cart's status.
    pub async fn merge_cart(&self, token: &str, anonymous_id: &str) -> Result<(), Status> {
        let request = with_bearer(
            cart_pb::MergeCartRequest { anonymous_id: anonymous_id.to_owned() },
            Some(token),
        );
        self.cart.clone().merge_cart(request).await?;
        Ok(())
    }

    /// Places an order for the caller.
    ///
    /// # Errors
    /// The orders service's status (`INVALID_ARGUMENT` with field errors for bad input).
    pub async fn place_order(
        &self,
        token: &str,
        request: orders_pb::PlaceOrderRequest,
    ) -> Result<orders_pb::PlaceOrderResponse, Status> {
        Ok(self.orders.clone().place_order(with_bearer(request, Some(token))).await?.into_inner())
    }

    /// Returns one of the caller's orders.
    ///
    /// # Errors
    /// `NOT_FOUND` when it is not theirs.
    pub async fn order(&self, token: &str, order_id: &str) -> Result<orders_pb::Order, Status> {
        let response = read(&self.orders, |mut c| {
            let request = with_bearer(
                orders_pb::GetOrderRequest { order_id: order_id.to_owned() },
                Some(token),
            );
            async move { c.get_order(request).await }
        })
        .await?;
        response.order.ok_or_else(|| Status::internal("orders returned no order"))
    }

    /// Lists the caller's orders.
    ///
    /// # Errors
    /// The orders service's status.
    pub async fn orders(
        &self,
        token: &str,
        page: common::PageRequest,
    ) -> Result<orders_pb::ListOrdersResponse, Status> {
        read(&self.orders, |mut c| {
            let request =
                with_bearer(orders_pb::ListOrdersRequest { page: Some(page) }, Some(token));
            async move { c.list_orders(request).await }
        })
        .await
    }

    /// Lists every order (the token must be an admin's).
    ///
    /// # Errors
    /// The orders service's status.
    pub async fn all_orders(
        &self,
        token: &str,
        page: common::PageRequest,
        status: orders_pb::OrderStatus,
    ) -> Result<orders_pb::ListAllOrdersResponse, Status> {
        read(&self.orders, |mut c| {
            let request = with_bearer(
                orders_pb::ListAllOrdersRequest { page: Some(page), status: status.into() },
                Some(token),
            );
            async move { c.list_all_orders(request).await }
        })
        .await
    }

    /// Cancels one of the caller's orders.
    ///
    /// # Errors
    /// `FAILED_PRECONDITION` when it can no longer be cancelled.
    pub async fn cancel_order(
        &self,
        token: &str,
        order_id: &str,
    ) -> Result<orders_pb::Order, Status> {
        let request = with_bearer(
            orders_pb::CancelOrderRequest { order_id: order_id.to_owned() },
            Some(token),
        );
        let response = self.orders.clone().cancel_order(request).await?.into_inner();
        response.order.ok_or_else(|| Status::internal("orders returned no order"))
    }

    /// Quotes shipping to a country.
    ///
    /// # Errors
    /// Shipping's status.
    pub async fn quotes(
        &self,
        country: &str,
        item_count: i64,
        items_total: common::Money,
    ) -> Result<Vec<shipping_pb::ShippingQuote>, Status> {
        let response = read(&self.shipping, |mut c| {
            let request = shipping_pb::QuoteShippingRequest {
                country: country.to_owned(),
                item_count,
                items_total: Some(items_total.clone()),
            };
            async move { c.quote_shipping(request).await }
        })
        .await?;
        Ok(response.quotes)
    }

    /// Returns products to recommend with `product_ids`, as catalog products in order. Optional:
    /// any failure gives an empty list, so the page renders without the section.
    pub async fn recommendations(
        &self,
        product_ids: Vec<String>,
        limit: u32,
    ) -> Vec<(catalog_pb::Product, String)> {
        if product_ids.is_empty() {
            return Vec::new();
        }
        let key = (product_ids.clone(), limit);
        let fetch = async {
            let recommended = self.fetch_recommendations(product_ids, limit).await;
            // An empty answer may mean the service is down: do not keep it.
            if recommended.is_empty() { Err(()) } else { Ok(recommended) }
        };
        Box::pin(self.cache.recommendations.try_get_with(key, fetch)).await.unwrap_or_default()
    }

    async fn fetch_recommendations(
        &self,
        product_ids: Vec<String>,
        limit: u32,
    ) -> Vec<(catalog_pb::Product, String)> {
        let request = recommendation_pb::RecommendForRequest { product_ids, limit };
        let recommended = match self.recommendation.clone().recommend_for(request).await {
            Ok(response) => response.into_inner().recommendations,
            Err(status) => {
                tracing::debug!(%status, "recommendations unavailable; rendering without them");
                return Vec::new();
            }
        };
        let ids = recommended.iter().map(|r| r.product_id.clone()).collect();
        let products = self.products_by_id(ids).await.unwrap_or_default();
        products
            .into_iter()
            .map(|product| {
                let reason = recommended
                    .iter()
                    .find(|r| r.product_id == product.id)
                    .map(|r| r.reason.clone())
                    .unwrap_or_default();
                (product, reason)
            })
            .collect()
    }

    /// Lists the messages of the dev mailbox.
    ///
    /// # Errors
    /// Notification's status.
    pub async fn mailbox(
        &self,
        recipient: &str,
        page: common::PageRequest,
    ) -> Result<notification_pb::ListMessagesResponse, Status> {
        read(&self.notification, |mut c| {
            let request = notification_pb::ListMessagesRequest {
                page: Some(page),
                recipient: recipient.to_owned(),
            };
            async move { c.list_messages(request).await }
        })
        .await
    }

    /// Returns one message of the dev mailbox.
    ///
    /// # Errors
    /// `NOT_FOUND` for an unknown id.
    pub async fn message(&self, id: &str) -> Result<notification_pb::EmailMessage, Status> {
        let response = read(&self.notification, |mut c| {
            let request = notification_pb::GetMessageRequest { message_id: id.to_owned() };
            async move { c.get_message(request).await }
        })
        .await?;
        response.message.ok_or_else(|| Status::internal("notification returned no message"))
    }
}
