() => { const d = document.querySelector('#pst-primary-sidebar-modal'); return !!(d && d.open); }
