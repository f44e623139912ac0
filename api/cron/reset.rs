//! Vercel function for `/api/cron/reset`, called daily by Vercel Cron: hands each request to the library.

use studio::Function;
use vercel_runtime::{Error, Request, Response, ResponseBody, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}

async fn handler(req: Request) -> Result<Response<ResponseBody>, Error> {
    Ok(studio::serve(Function::CronReset, req).await.map(ResponseBody))
}
