import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { api } from '@/api/client'
import { createAppRouter, installGuards } from '@/router'
import { useSessionStore } from '@/stores/session'
import App from './App.vue'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

const session = useSessionStore(pinia)
const router = createAppRouter()
installGuards(router, () => session)

api.setAuth({
  getToken: () => session.currentToken(),
  onUnauthorized: () => {
    const current = router.currentRoute.value
    session.signOut()
    if (current.name !== 'sign-in') {
      void router.push({ name: 'sign-in', query: { redirect: current.fullPath, expired: '1' } })
    }
  },
})

app.use(router)
app.mount('#app')
