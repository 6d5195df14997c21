// The counter's door-card scanner. The card's QR holds the household's public look-up address (…/h/<code>);
// the code found in it (or a bare code) is sent as ?code= through the page's find form. A photo (拍照扫码: on a
// phone the file picker opens the camera) or the live camera (打开摄像头扫码) is decoded here by the vendored
// jsQR, or by the browser's own BarcodeDetector where it has one. Nothing leaves the phone but the code.
(() => {
  const form = document.querySelector("[data-find-form]");
  if (!form) return;
  const status = document.querySelector("[data-scan-status]");
  const video = document.querySelector("[data-scan-video]");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  let stream = null;

  function codeOf(text) {
    const m = /\/h\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(text.trim());
    if (m) return decodeURIComponent(m[1]);
    return /^[^\s/]{1,40}$/.test(text.trim()) ? text.trim() : null;
  }

  function found(text) {
    const code = codeOf(text || "");
    if (!code) { status.textContent = "二维码不是门牌卡：" + text; return false; }
    stop();
    status.textContent = "已识别门牌卡：" + code;
    const field = form.querySelector("[data-scan-code]");
    field.value = code;
    field.disabled = false;
    form.querySelector("[name=q]").disabled = true;
    form.submit();
    return true;
  }

  function decode(source, width, height) {
    canvas.width = width;
    canvas.height = height;
    ctx.drawImage(source, 0, 0, width, height);
    const image = ctx.getImageData(0, 0, width, height);
    const result = window.jsQR ? window.jsQR(image.data, width, height, {inversionAttempts: "attemptBoth"}) : null;
    return result ? result.data : null;
  }

  async function detect(source, width, height) {
    if ("BarcodeDetector" in window) {
      try {
        const codes = await new window.BarcodeDetector({formats: ["qr_code"]}).detect(source);
        if (codes.length) return codes[0].rawValue;
      } catch (e) { /* fall back to jsQR */ }
    }
    return decode(source, width, height);
  }

  document.querySelector("[data-scan-photo]").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    status.textContent = "识别中…";
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      const text = await detect(bitmap, Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
      if (!text) status.textContent = "没有识别到二维码，请对准门牌卡重拍，或输入户编号";
      else found(text);
    } catch (e) {
      status.textContent = "无法读取这张照片，请重拍或输入户编号";
    }
  });

  function stop() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.hidden = true;
  }

  async function tick() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const text = await detect(video, video.videoWidth, video.videoHeight);
      if (text && found(text)) return;
    }
    window.setTimeout(tick, 200);
  }

  document.querySelector("[data-scan-camera]").addEventListener("click", async () => {
    if (stream) { stop(); status.textContent = ""; return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = "此浏览器不能打开摄像头，请用“拍照扫码”或输入户编号";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    } catch (e) {
      status.textContent = "无法打开摄像头（未授权或没有摄像头），请用“拍照扫码”或输入户编号";
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    status.textContent = "请将门牌卡二维码对准摄像头";
    tick();
  });
})();
