// The start page until the full studio arrives: lists the style templates from the API.

const list = document.getElementById('templates');
const status = document.getElementById('status');

function card(template) {
  const item = document.createElement('li');
  const name = document.createElement('h2');
  name.textContent = `${template.name_id} · ${template.name_en}`;
  const description = document.createElement('p');
  description.textContent = template.description_id;
  const category = document.createElement('span');
  category.className = 'tag';
  category.textContent = template.category;
  item.append(name, category, description);
  return item;
}

async function load() {
  try {
    const response = await fetch('/api/templates');
    const body = await response.json();
    if (!body.success) throw new Error(body.error.message);
    list.replaceChildren(...body.data.map(card));
    status.textContent = `${body.data.length} templat · templates`;
  } catch (error) {
    status.textContent = `Templat tidak dapat dimuat · Templates could not be loaded (${error.message})`;
  }
}

load();
