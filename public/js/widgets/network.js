// The offline indicator: a pill in the top bar while the browser reports no network.

export function mount(pill) {
  const show = () => {
    pill.hidden = navigator.onLine;
    document.documentElement.classList.toggle('is-offline', !navigator.onLine);
  };
  window.addEventListener('online', show);
  window.addEventListener('offline', show);
  show();
}
