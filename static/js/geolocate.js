// A [data-geolocate] button fills the inputs named by its data-lon and data-lat with the device's position.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-geolocate]");
  if (!button) return;
  const status = button.parentElement.querySelector("[aria-live]");
  const say = (text) => { if (status) status.textContent = text; };
  if (!navigator.geolocation) { say("此设备无法定位，请手工填写经纬度"); return; }
  say("定位中…");
  navigator.geolocation.getCurrentPosition((pos) => {
    document.getElementById(button.dataset.lon).value = pos.coords.longitude.toFixed(6);
    document.getElementById(button.dataset.lat).value = pos.coords.latitude.toFixed(6);
    say(`已定位（精度约 ${Math.round(pos.coords.accuracy)} 米）`);
  }, () => say("定位失败，请手工填写经纬度"), {enableHighAccuracy: true, timeout: 15000});
});
