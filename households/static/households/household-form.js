// 使用当前位置: the phone's position fills the gate's longitude and latitude (the cadre standing at the gate).
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-locate]");
  if (!button) return;
  const status = document.querySelector("[data-locate-status]");
  if (!navigator.geolocation) { status.textContent = "此设备无法定位，请填写经纬度"; return; }
  status.textContent = "定位中…";
  navigator.geolocation.getCurrentPosition((pos) => {
    document.getElementById("f-lon").value = pos.coords.longitude.toFixed(6);
    document.getElementById("f-lat").value = pos.coords.latitude.toFixed(6);
    status.textContent = `已定位（精度约 ${Math.round(pos.coords.accuracy)} 米）`;
  }, () => { status.textContent = "定位失败，请在户门口重试或填写经纬度"; }, {enableHighAccuracy: true, timeout: 15000});
});
