//! Search: Indonesian and English words through the `simple` text search, and typos through
//! trigram word similarity, over prompts, titles and tags.

use reqwest::Method;
use studio_local::testing::TestStack;

use super::{call, ids, inserted, sql};
use crate::helpers::signed_up;

#[tokio::test]
async fn search_finds_indonesian_and_english_words_and_tolerates_typos() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let kucing = inserted(&stack, &account.id, "kucing oren tidur di atas kain batik", 1).await;
    let cat = inserted(&stack, &account.id, "a cat sleeping on a sunny windowsill", 2).await;
    let sunset = inserted(&stack, &account.id, "matahari terbenam di atas sawah", 3).await;
    // One letter from "cat": the trigram tolerance must not reach it.
    inserted(&stack, &account.id, "a red car on a mountain road", 4).await;
    let tagged = inserted(&stack, &account.id, "pemandangan pantai", 5).await;
    sql(
        &stack,
        &format!(
            "update generated_images set title = 'Golden sunset' where id = '{sunset}';
         update generated_images set tags = '{{liburan,bali}}' where id = '{tagged}';"
        ),
    )
    .await;
    let neighbour = signed_up(&stack, "budi@example.com").await;
    inserted(&stack, &neighbour.id, "kucing hitam di jendela", 1).await;
    let cases = [
        ("Indonesian word", "kucing", vec![kucing.clone()]),
        ("English word", "cat", vec![cat]),
        ("Indonesian typo", "kuching", vec![kucing.clone()]),
        ("English typo in a title", "sunsett", vec![sunset.clone()]),
        ("a title word", "golden", vec![sunset]),
        ("a tag", "bali", vec![tagged]),
        ("two words, web syntax", "kucing batik", vec![kucing]),
        ("a short word one letter away is not a match", "cap", vec![]),
        ("nothing like it", "zebra", vec![]),
    ];
    for (case, q, expected) in cases {
        let answer = call(&stack, Method::GET, &format!("?q={q}"), Some(&account.access), None).await;
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
        assert_eq!(ids(&answer), expected, "{case}: q={q}");
    }
}
