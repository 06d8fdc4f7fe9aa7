import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createAppRouter } from './router'
import { useThemeStore } from './stores/theme'
import './styles/main.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
// Instantiated before mount so the theme (and its storage) is settled on the first frame.
useThemeStore(pinia)
// The router's guard uses the session store, so Pinia must be active first.
app.use(createAppRouter())
app.mount('#app')
