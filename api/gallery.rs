//! Vercel function for `/api/gallery` and its sub-paths: hands each request to the library.

use studio::Function;
use vercel_runtime::{Error, Request, Response, ResponseBody, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}

async fn handler(req: Request) -> Result<Response<ResponseBody>, Error> {
    Ok(studio::serve(Function::Gallery, req).await.map(ResponseBody))
}
