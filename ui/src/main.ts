import '@fontsource/noto-sans/latin-400.css';
import '@fontsource/noto-sans/latin-600.css';
import '@fontsource/noto-sans/latin-ext-400.css';
import '@fontsource/noto-sans/latin-ext-600.css';
import '@fontsource/noto-sans-khmer/khmer-400.css';
import '@fontsource/noto-sans-khmer/khmer-600.css';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { guessLang, setLang } from './lib/i18n.svelte';

setLang(guessLang(navigator.languages ?? [navigator.language]));

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });
